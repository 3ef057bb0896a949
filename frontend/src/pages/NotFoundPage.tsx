import { Link } from "react-router";
import { useDocumentTitle } from "../hooks/useDocumentTitle";

export function NotFoundPage() {
  useDocumentTitle("Page not found");
  return (
    <section className="card card--narrow not-found" aria-labelledby="page-missing">
      <h1 id="page-missing">This page does not exist</h1>
      <p>The address may be mistyped, or the page has moved.</p>
      <Link className="button button--primary" to="/">
        Browse tickets
      </Link>
    </section>
  );
}
