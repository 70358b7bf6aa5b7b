import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { DomainError } from "../domain/errors.js";
import { ARTICLE_ID_PATTERN, TICKET_ID_PATTERN } from "../domain/ids.js";
import type { Logger } from "../logging.js";
import type { TriageService } from "../service/triage-service.js";
import { mcpErrorFrom } from "./errors.js";
import { ALL_TOOLS, serves, type ToolSelection } from "./toolsets.js";

/** resources/list shows at most this many tickets; completion and templates reach the rest. */
export const RESOURCE_LIST_LIMIT = 100;
const AUDIT_RESOURCE_LIMIT = 50;

function single(value: string | string[] | undefined, pattern: RegExp, what: string): string {
  const raw = Array.isArray(value) ? value[0] : value;
  let id = raw ?? "";
  try {
    id = decodeURIComponent(id);
  } catch {
    // Left encoded: the pattern check below refuses it.
  }
  // Security: ids are matched whole against strict patterns, so "../" and encoded variants never
  // reach a lookup, let alone a path.
  if (Array.isArray(value) && value.length !== 1) {
    throw new McpError(ErrorCode.InvalidParams, `Expected one ${what} id.`);
  }
  if (!pattern.test(id)) {
    throw new McpError(ErrorCode.InvalidParams, `"${id.slice(0, 80)}" is not a valid ${what} id.`);
  }
  return id;
}

/** Team ids are lower-case slugs ("api-platform"); anything else is refused before a lookup. */
const TEAM_ID_PATTERN = /^[a-z]+(?:-[a-z]+)*$/;

const json = (uri: string, value: unknown) => ({
  contents: [{ uri, mimeType: "application/json", text: JSON.stringify(value, null, 2) }],
});

/** Every resource read is a request boundary: catch up with other servers' commits first. */
function reading(service: TriageService, logger: Logger) {
  return <A extends unknown[], R>(run: (uri: URL, ...rest: A) => R | Promise<R>) =>
    async (uri: URL, ...rest: A): Promise<R> => {
      try {
        await service.refresh("notified");
        return await run(uri, ...rest);
      } catch (error) {
        throw mcpErrorFrom(error, uri.href, logger);
      }
    };
}

/**
 * The resources: tickets, their audit events, teams and the queue metrics with the tickets
 * toolset, knowledge articles with the knowledge toolset (the same reads as those tools).
 */
export function registerResources(
  server: McpServer,
  service: TriageService,
  logger: Logger,
  selection: ToolSelection = ALL_TOOLS,
): void {
  const tickets = serves(selection, { toolsets: ["tickets"] });
  if (tickets) registerTicketResources(server, service, logger);
  if (serves(selection, { toolsets: ["knowledge"] })) registerKnowledgeResource(server, service, logger);
  if (tickets) registerQueueResources(server, service, logger);
}

function registerTicketResources(server: McpServer, service: TriageService, logger: Logger): void {
  const read = reading(service, logger);
  server.registerResource(
    "ticket",
    new ResourceTemplate("ticket://{id}", {
      list: async () => {
        await service.refresh("notified");
        return {
          resources: service.listTickets({ offset: 0, limit: RESOURCE_LIST_LIMIT }).items.map((t) => ({
            uri: `ticket://${t.id}`,
            name: `${t.id}: ${t.subject.slice(0, 80)}`,
            mimeType: "application/json",
          })),
        };
      },
      complete: { id: (value) => service.completeTicketIds(value) },
    }),
    {
      title: "Ticket",
      description: `A ticket as JSON (untrusted customer text inside). resources/list shows the first ${RESOURCE_LIST_LIMIT} by id.`,
      mimeType: "application/json",
    },
    read((uri, vars) => {
      return json(uri.href, service.getTicket(single(vars.id, TICKET_ID_PATTERN, "ticket")));
    }),
  );
}

function registerKnowledgeResource(server: McpServer, service: TriageService, logger: Logger): void {
  const read = reading(service, logger);
  server.registerResource(
    "knowledge",
    new ResourceTemplate("knowledge://{id}", {
      list: () => ({
        resources: service.listArticles().map((a) => ({
          uri: `knowledge://${a.id}`,
          name: a.title,
          mimeType: "text/markdown",
        })),
      }),
      complete: {
        id: (value) =>
          service
            .listArticles()
            .map((a) => a.id)
            .filter((id) => id.startsWith(value)),
      },
    }),
    {
      title: "Knowledge article",
      description: "A knowledge article's Markdown body.",
      mimeType: "text/markdown",
    },
    read((uri, vars) => {
      const article = service.getArticle(single(vars.id, ARTICLE_ID_PATTERN, "knowledge article"));
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text: article.body }] };
    }),
  );
}

function registerQueueResources(server: McpServer, service: TriageService, logger: Logger): void {
  const read = reading(service, logger);
  server.registerResource(
    "ticket-audit",
    new ResourceTemplate("audit://ticket/{id}", {
      list: undefined,
      complete: { id: (value) => service.completeTicketIds(value) },
    }),
    {
      title: "Ticket audit events",
      description: `The ticket's audit events as JSON, oldest first (the first ${AUDIT_RESOURCE_LIMIT}; use get_audit_events to page).`,
      mimeType: "application/json",
    },
    read(async (uri, vars) => {
      const ticketId = single(vars.id, TICKET_ID_PATTERN, "ticket");
      const page = await service.auditEvents({ ticketId, offset: 0, limit: AUDIT_RESOURCE_LIMIT });
      return json(uri.href, { events: page.items, total: page.total });
    }),
  );

  server.registerResource(
    "team",
    new ResourceTemplate("team://{id}", {
      list: () => ({
        resources: service.teams.list().map((t) => ({
          uri: `team://${t.id}`,
          name: `${t.id}: ${t.name}`,
          mimeType: "application/json",
        })),
      }),
      complete: {
        id: (value) =>
          service.teams
            .list()
            .map((t) => t.id)
            .filter((id) => id.startsWith(value)),
      },
    }),
    {
      title: "Team",
      description:
        "A team as JSON: description, members (valid assignees), on-call handle and handoff channel.",
      mimeType: "application/json",
    },
    read((uri, vars) => {
      const id = single(vars.id, TEAM_ID_PATTERN, "team");
      const team = service.teams.list().find((t) => t.id === id);
      if (team === undefined) {
        const known = service.teams.list().map((t) => t.id);
        throw new DomainError(
          "NOT_FOUND",
          `No team "${id}". Known ids: ${known.join(", ")}. Use list_teams.`,
        );
      }
      return json(uri.href, team);
    }),
  );

  server.registerResource(
    "queue-metrics",
    "metrics://queue",
    {
      title: "Queue metrics",
      description: "The same JSON as get_queue_metrics.",
      mimeType: "application/json",
    },
    read((uri) => {
      return json(uri.href, service.queueMetrics());
    }),
  );
}
