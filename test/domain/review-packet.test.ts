import { describe, expect, it } from "vitest";
import type { ApprovableField } from "../../src/domain/enums.js";
import { DomainError } from "../../src/domain/errors.js";
import { planApproval } from "../../src/domain/policy/index.js";
import { approvalPreview, reviewPacketOf } from "../../src/domain/review-packet.js";
import type { Recommendation, Ticket } from "../../src/domain/schemas.js";
import { billingProposal, TEST_NOW, testTickets } from "../support/data.js";
import { BUNDLED_POLICY } from "../support/workspace.js";

// What the review packet says an approval of some fields would meet, checked against the
// policy's own decision on the same approval.

describe("approvalPreview", () => {
  const leak = testTickets().find((t) => t.id === "TKT-3004")!;
  const recFor = (ticket: Ticket, team: Recommendation["team"]): Recommendation => ({
    ...billingProposal({
      ticketId: ticket.id,
      sourceRevision: ticket.revision,
      team,
      securityRisk: "likely",
    }),
    id: "6f1d3c9e-8a4b-4c2d-9e8f-0a1b2c3d4e5f",
    escalationRequired: true,
    escalationReasons: ["security"],
    requiredTeam: "security",
    resolution: "pending",
    createdAt: TEST_NOW.toISOString(),
  });
  /** The preview's code, and the code the policy's own check of that approval gives. */
  const both = (ticketTeam: Ticket["team"], team: Recommendation["team"], fields: ApprovableField[]) => {
    const ticket = { ...leak, team: ticketTeam };
    const rec = recFor(ticket, team);
    const packet = reviewPacketOf({ rec, ticket, now: TEST_NOW, policy: BUNDLED_POLICY });
    let decided: string | null = null;
    try {
      const request = {
        recommendationId: rec.id,
        ticketId: ticket.id,
        expectedRevision: ticket.revision,
        approvedFields: fields,
        actor: "dana",
      };
      planApproval(ticket, rec, request, TEST_NOW, BUNDLED_POLICY);
    } catch (error) {
      decided = error instanceof DomainError ? error.code : "unexpected";
    }
    return { previewed: approvalPreview(packet, fields)?.code ?? null, decided };
  };
  it.each([
    // ticket's team, proposed team, approved fields -> the refusal the packet foresees
    ["security", "billing", ["priority"], null],
    ["security", "billing", ["priority", "team"], "POLICY_DENIED"],
    [undefined, "security", ["priority"], "POLICY_DENIED"],
    [undefined, "security", ["priority", "team"], null],
    [undefined, "billing", ["priority"], "POLICY_DENIED"],
    ["security", "security", ["priority"], null],
  ] as const)(
    "ticket team %s, proposed %s, approving %j: %s, as the policy decides",
    (ticketTeam, team, fields, code) => {
      expect(both(ticketTeam, team, [...fields])).toEqual({ previewed: code, decided: code });
    },
  );
});
