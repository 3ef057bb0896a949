export function SiteFooter() {
  return (
    <footer className="site-footer">
      <p>
        Orders are accepted at once and decided by the order workers within moments. Prices are confirmed by the server.
      </p>
    </footer>
  );
}
