/**
 * Reads request and response bodies out of the types openapi-typescript generates (./schema/*.ts),
 * so each call is typed by the operation it calls rather than by a copy of the server's models.
 */

/** The JSON body an operation answers with `status`. */
export type JsonResponse<Operation, Status extends number> = Operation extends {
  responses: { [S in Status]: { content: { "application/json": infer Body } } };
}
  ? Body
  : never;

/** The JSON body an operation accepts. */
export type JsonRequest<Operation> = Operation extends {
  requestBody?: { content: { "application/json": infer Body } };
}
  ? Body
  : never;

/** A path of the document with its `{name}` parameters filled in, each URL-encoded. */
export function fillPath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${path}`);
    return encodeURIComponent(value);
  });
}
