import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { submitOrder } from "../../lib/submitOrder";
import { TicketsPage } from "../../pages/TicketsPage";
import { orderCreated, TICKETS } from "../../test/fixtures";
import { json, mockFetch, type RecordedRequest } from "../../test/mockFetch";
import { renderAt } from "../../test/renderWithRouter";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const fastSubmit: typeof submitOrder = (order, key) => submitOrder(order, key, { sleep: async () => {} });

function shopApi(orderAnswers: ((request: RecordedRequest) => Response)[]) {
  return mockFetch({
    "GET /api/tickets": () => json(200, { tickets: TICKETS }),
    "POST /api/orders": orderAnswers,
  });
}

async function openShopWithCart(adults: number, children: number) {
  const view = renderAt(<TicketsPage submit={fastSubmit} />);
  await screen.findByRole("heading", { name: "General Admission" });
  for (let i = 0; i < adults; i++) await view.user.click(screen.getByRole("button", { name: "Add General Admission to order" }));
  for (let i = 0; i < children; i++) await view.user.click(screen.getByRole("button", { name: "Add Child Pass to order" }));
  return { ...view, cart: screen.getByRole("complementary", { name: /Your order/ }) };
}

async function fillCustomer(user: ReturnType<typeof renderAt>["user"], cart: HTMLElement, email = "ada@example.com") {
  await user.type(within(cart).getByLabelText("Full name"), "Ada Lovelace");
  await user.type(within(cart).getByLabelText("Email"), email);
}

const created = orderCreated();

describe("checkout", () => {
  it("shows the total from catalogue prices before submitting, and keeps it up to date", async () => {
    shopApi([() => json(201, created)]);
    const { user, cart } = await openShopWithCart(2, 1);
    expect(within(cart).getByLabelText("Order total")).toHaveTextContent("203.50"); // 2 x 89 + 25.50
    expect(within(cart).getByText("(3 tickets)")).toBeInTheDocument();

    await user.click(within(cart).getByRole("button", { name: "One more Child Pass" }));
    expect(within(cart).getByLabelText("Order total")).toHaveTextContent("229.00");
    const qty = within(cart).getByLabelText("Quantity of General Admission");
    await user.clear(qty);
    await user.type(qty, "4");
    expect(within(cart).getByLabelText("Order total")).toHaveTextContent("407.00");
    await user.click(within(cart).getByRole("button", { name: "Remove Child Pass" }));
    expect(within(cart).getByLabelText("Order total")).toHaveTextContent("356.00");
  });

  it("submits the order with a fresh Idempotency-Key and opens the order page on 201", async () => {
    const api = shopApi([() => json(201, created)]);
    const { user, cart } = await openShopWithCart(2, 1);
    await fillCustomer(user, cart);
    await user.click(within(cart).getByRole("radio", { name: "Apple Pay" }));
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));

    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/orders/order-123"));
    const [post] = api.to("POST", "/api/orders");
    expect(post.body).toEqual({
      customer: { name: "Ada Lovelace", email: "ada@example.com" },
      items: [
        { ticketId: "ga-adult", qty: 2 },
        { ticketId: "ga-child", qty: 1 },
      ],
      paymentMethod: "apple_pay",
    });
    expect(post.headers.get("Idempotency-Key")).toMatch(UUID);
  });

  it("shows the gateway's email error next to the email input", async () => {
    shopApi([
      () =>
        json(400, {
          error: "customer.email: value is not a valid email address: An email address must have an @-sign.",
          field: "customer.email",
        }),
    ]);
    const { user, cart } = await openShopWithCart(1, 0);
    await fillCustomer(user, cart, "ada.example.com");
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));

    const email = within(cart).getByLabelText("Email");
    await waitFor(() => expect(email).toHaveAttribute("aria-invalid", "true"));
    const describedBy = email.getAttribute("aria-describedby")!;
    expect(document.getElementById(describedBy)).toHaveTextContent(
      "Value is not a valid email address: An email address must have an @-sign.",
    );
    expect(email).toHaveFocus();
    expect(screen.getByTestId("location")).toHaveTextContent(/^\/$/);
  });

  it("shows an items[i].qty error on that cart line, and a paymentMethod error on the payment choice", async () => {
    shopApi([
      () => json(400, { error: "items[1].qty: at most 10 tickets per order", field: "items[1].qty" }),
      () => json(400, { error: "paymentMethod: Input should be 'credit_card', 'debit_card'", field: "paymentMethod" }),
    ]);
    const { user, cart } = await openShopWithCart(1, 1);
    await fillCustomer(user, cart);
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));
    const childQty = within(cart).getByLabelText("Quantity of Child Pass");
    await waitFor(() => expect(childQty).toHaveAttribute("aria-invalid", "true"));
    expect(within(screen.getByTestId("cart-line-1")).getByText("At most 10 tickets per order")).toBeInTheDocument();
    expect(within(cart).getByLabelText("Quantity of General Admission")).not.toHaveAttribute("aria-invalid");

    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));
    const payment = await within(cart).findByRole("group", { name: "Payment method" });
    await waitFor(() => expect(payment).toHaveAttribute("aria-invalid", "true"));
    expect(within(payment).getByText("Input should be 'credit_card', 'debit_card'")).toBeInTheDocument();
  });

  it("keeps the key across retries of one submit and uses a new key for the next submit", async () => {
    const api = shopApi([
      () => json(503, { error: "busy" }, { "Retry-After": "1" }),
      () => json(400, { error: "customer.name: is required", field: "customer.name" }),
      () => json(201, created),
    ]);
    const { user, cart } = await openShopWithCart(1, 0);
    await fillCustomer(user, cart);
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));
    await within(cart).findByText("Is required");
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/orders/order-123"));

    const keys = api.to("POST", "/api/orders").map((r) => r.headers.get("Idempotency-Key"));
    expect(keys).toHaveLength(3);
    expect(keys[0]).toBe(keys[1]); // the 503 retry is the same submit
    expect(keys[2]).not.toBe(keys[1]); // a new submit after a definite answer
  });

  it("reuses the key when the same order is sent again after the gateway could not be reached", async () => {
    const api = shopApi([
      () => json(502, { error: "the API gateway is unreachable" }),
      () => json(502, { error: "the API gateway is unreachable" }),
      () => json(502, { error: "the API gateway is unreachable" }),
      () => json(201, created),
    ]);
    const { user, cart } = await openShopWithCart(1, 0);
    await fillCustomer(user, cart);
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));
    expect(await within(cart).findByText(/Submitting again is safe/)).toBeInTheDocument();
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/orders/order-123"));
    const keys = new Set(api.to("POST", "/api/orders").map((r) => r.headers.get("Idempotency-Key")));
    expect(keys.size).toBe(1);
  });

  it("asks for name and email before sending anything", async () => {
    const api = shopApi([() => json(201, created)]);
    const { user, cart } = await openShopWithCart(1, 0);
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));
    expect(within(cart).getByText("Please enter your name.")).toBeInTheDocument();
    expect(within(cart).getByText("Please enter your email address.")).toBeInTheDocument();
    expect(api.to("POST", "/api/orders")).toHaveLength(0);
  });

  it("holds the tickets without a card when paying later", async () => {
    const api = shopApi([() => json(201, created)]);
    const { user, cart } = await openShopWithCart(1, 0);
    await fillCustomer(user, cart);
    await user.type(within(cart).getByLabelText(/Card number/), "4242 4242 4242 4242");
    await user.click(within(cart).getByRole("checkbox", { name: "Pay later (hold my tickets)" }));
    // The card is given when paying, on the order page.
    expect(within(cart).queryByLabelText(/Card number/)).not.toBeInTheDocument();
    await user.click(within(cart).getByRole("button", { name: /^Hold my tickets · / }));

    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/orders/order-123"));
    const [post] = api.to("POST", "/api/orders");
    expect(post.body).toMatchObject({ payLater: true, paymentMethod: "credit_card" });
    expect(post.body).not.toHaveProperty("card");
  });

  it("sends a test card picked from the list, and no card or payLater when none is given", async () => {
    const api = shopApi([() => json(201, created)]);
    const { user, cart } = await openShopWithCart(1, 0);
    await fillCustomer(user, cart);
    const cards = within(cart).getAllByRole("button", { name: /^Use test card / });
    expect(cards.map((b) => b.textContent)).toEqual([
      "4242 4242 4242 4242",
      "4000 0000 0000 0002",
      "4000 0000 0000 0119",
      "4000 0000 0000 3220",
    ]);
    await user.click(within(cart).getByRole("button", { name: /^Use test card 4000 0000 0000 0002, declined/ }));
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/orders/order-123"));
    const [post] = api.to("POST", "/api/orders");
    expect(post.body).toMatchObject({ card: { number: "4000 0000 0000 0002" } });
    expect(post.body).not.toHaveProperty("payLater");
  });

  it("leaves the card out of a plain order", async () => {
    const api = shopApi([() => json(201, created)]);
    const { user, cart } = await openShopWithCart(1, 0);
    await fillCustomer(user, cart);
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/orders/order-123"));
    expect(Object.keys(api.to("POST", "/api/orders")[0].body as object).sort()).toEqual(["customer", "items", "paymentMethod"]);
  });

  it("shows the gateway's card.number error next to the card input", async () => {
    shopApi([() => json(400, { error: "card.number: must be 13 to 19 digits", field: "card.number" })]);
    const { user, cart } = await openShopWithCart(1, 0);
    await fillCustomer(user, cart);
    await user.type(within(cart).getByLabelText(/Card number/), "123");
    await user.click(within(cart).getByRole("button", { name: /^Place order/ }));
    const card = within(cart).getByLabelText(/Card number/);
    await waitFor(() => expect(card).toHaveAttribute("aria-invalid", "true"));
    expect(within(cart).getByText("Must be 13 to 19 digits")).toBeInTheDocument();
    expect(card).toHaveFocus();
  });
});
