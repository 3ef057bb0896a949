import type { TicketFilters } from "../api/gateway";

/** Filters live in the URL (?type=&min_price=&max_price=, the API's own names) so a view can be shared. */
export function filtersFromParams(params: URLSearchParams): TicketFilters {
  return {
    type: params.get("type") ?? "",
    minPrice: params.get("min_price") ?? "",
    maxPrice: params.get("max_price") ?? "",
  };
}

export function paramsFromFilters(filters: TicketFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.type) params.set("type", filters.type);
  if (filters.minPrice?.trim()) params.set("min_price", filters.minPrice.trim());
  if (filters.maxPrice?.trim()) params.set("max_price", filters.maxPrice.trim());
  return params;
}

export function sameFilters(a: TicketFilters, b: TicketFilters): boolean {
  return paramsFromFilters(a).toString() === paramsFromFilters(b).toString();
}
