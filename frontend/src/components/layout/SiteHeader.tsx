import { Link, NavLink } from "react-router";
import { BrandMark } from "./BrandMark";

export function SiteHeader() {
  return (
    <header className="site-header">
      <div className="site-header__inner">
        <Link to="/" className="brand">
          <BrandMark />
          <span className="brand__name">Ticketing</span>
        </Link>
        <nav aria-label="Main">
          <ul className="nav">
            <li>
              <NavLink to="/" end className="nav__link">
                Tickets
              </NavLink>
            </li>
            <li>
              <NavLink to="/events" className="nav__link">
                Events
              </NavLink>
            </li>
            <li>
              <NavLink to="/load" className="nav__link">
                Load &amp; scaling
              </NavLink>
            </li>
          </ul>
        </nav>
      </div>
    </header>
  );
}
