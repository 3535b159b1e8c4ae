const pathOf = (url: string): string => url.split('?')[0] ?? url;

/** `/metrics` and the API docs (`/docs`, its assets, `/docs-json`, `/docs-yaml`): what ops read. */
export const isOpsRoute = (url: string): boolean => {
  const path = pathOf(url);
  return path === '/metrics' || path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs-');
};

/** Probes, scrapes and the API docs: never rate limited (monitoring must see an overloaded server). */
export const isUnlimited = (url: string): boolean => pathOf(url).startsWith('/health/') || isOpsRoute(url);
