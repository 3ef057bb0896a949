/** Display formatting in one place, so every page writes money, counts and times alike. */

const moneyFormats = new Map<string, Intl.NumberFormat>();

export function formatMoney(amount: number, currency: string): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat(undefined, { style: "currency", currency });
    } catch {
      // An unknown currency code must not break the page: show the number and the code.
      format = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    moneyFormats.set(currency, format);
  }
  const text = format.format(amount);
  return format.resolvedOptions().style === "currency" ? text : `${text} ${currency}`;
}

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export function formatCount(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? "–" : integer.format(value);
}

export function formatRate(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? "–" : oneDecimal.format(value);
}

export function formatMs(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return "–";
  if (value >= 10_000) return `${oneDecimal.format(value / 1000)} s`;
  return `${integer.format(value)} ms`;
}

export function formatIdle(ms: number): string {
  if (ms < 1000) return "just now";
  if (ms < 60_000) return `${oneDecimal.format(ms / 1000)} s ago`;
  if (ms < 3_600_000) return `${integer.format(ms / 60_000)} min ago`;
  return `${oneDecimal.format(ms / 3_600_000)} h ago`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** When an event starts, as a ticket prints it: "Fri, 12 Mar 2027, 19:30" (the browser's time zone). */
export function formatEventDate(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

export function formatClock(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** "ga-adult" or "bank_transfer" as words a person reads. */
export function humanize(identifier: string): string {
  const words = identifier.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
