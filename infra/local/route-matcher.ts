import { routeTable, type FunctionDefinition, type RouteKey } from '../../shared/manifest.ts';

export interface RouteMatch {
  routeKey: RouteKey;
  fn: FunctionDefinition;
  pathParameters: Record<string, string>;
}

interface CompiledRoute {
  method: string;
  pattern: RegExp;
  names: string[];
  routeKey: RouteKey;
  fn: FunctionDefinition;
  literalSegments: number;
}

/**
 * Matches requests the way API Gateway HTTP API does for the manifest's routes: `{name}` captures one
 * path segment, percent-decoded as HTTP API delivers it (left as sent when it is not valid encoding),
 * and literal segments beat parameters.
 */
export function createRouteMatcher(): (method: string, path: string) => RouteMatch | 'method_not_allowed' | undefined {
  const routes: CompiledRoute[] = routeTable().map(({ routeKey, fn }) => {
    const [method = '', template = ''] = routeKey.split(' ');
    const names: string[] = [];
    const source = template
      .split('/')
      .map((segment) => {
        const param = /^\{(\w+)\}$/.exec(segment);
        if (!param?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(param[1]);
        return '([^/]+)';
      })
      .join('/');
    const literalSegments = template.split('/').filter((segment) => segment && !segment.startsWith('{')).length;
    return { method, pattern: new RegExp(`^${source}$`), names, routeKey, fn, literalSegments };
  });
  routes.sort((a, b) => b.literalSegments - a.literalSegments);
  return (method, path) => {
    let pathMatched = false;
    for (const route of routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const pathParameters = Object.fromEntries(route.names.map((name, index) => [name, safeDecode(match[index + 1] ?? '')]));
      return { routeKey: route.routeKey, fn: route.fn, pathParameters };
    }
    return pathMatched ? 'method_not_allowed' : undefined;
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
