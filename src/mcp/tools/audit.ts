import { getAuditEventsInput } from "../../domain/inputs.js";
import { defineTool, type ToolSchemas } from "../tool.js";

export const getAuditEvents = ({ outputs }: ToolSchemas) =>
  defineTool({
    name: "get_audit_events",
    title: "Audit events",
    description:
      "Read the append-only, hash-chained audit log, oldest first, for one ticket or for the whole runtime. Use it " +
      "after an approval or rejection to confirm what changed, who did it and at which revision.",
    kind: "read",
    toolset: "tickets",
    input: getAuditEventsInput,
    output: outputs.auditPage,
    handler: async (args, { service }) => {
      const page = await service.auditEvents(args);
      return { events: page.items, total: page.total, offset: page.offset, limit: page.limit };
    },
  });
