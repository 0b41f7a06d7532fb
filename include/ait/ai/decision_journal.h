#pragma once
// Decisions as journal events: turning an engine's Decision into a model::Decision event (what
// the service records on the engine thread) and reading them back from the journal, scoped to
// one tenant, for the REST history and for explaining a trade later.

#include <cstddef>
#include <string_view>
#include <vector>

#include "ait/ai/decision.h"
#include "ait/core/error.h"
#include "ait/journal/journal.h"
#include "ait/model/events.h"

namespace ait::ai {

/// What a decision event says besides the engine's Decision.
struct DecisionContext {
  model::TenantId tenant;
  model::StrategyId strategy;
  model::InstrumentId instrument;
  EnsembleMethod method = EnsembleMethod::WeightedAverage;
};

/// Builds the event for one decision: ts_event is the inputs' time (decision.ts), ts_recv is
/// `now`. The first kDecisionModels models are carried; more set kDecisionTruncated. No
/// allocation.
model::Decision toEvent(const Decision& decision, const DecisionContext& context,
                        TimestampNs now) noexcept;

model::DecisionSignal toEventSignal(Signal signal) noexcept;
model::EnsembleKind toEventEnsemble(EnsembleMethod method) noexcept;
model::ModelVoteStatus toEventStatus(ModelStatus status) noexcept;

/// Reads the latest `limit` decision events `tenant` may see from the journal (its own and those
/// on public market data, data::visibleTo; durable records only), newest first; `symbol` empty means every symbol. The journal's sequence is set in each
/// event's header. A damaged journal is an error naming where.
Expected<std::vector<model::Decision>> readDecisions(const journal::Journal& journal,
                                                     model::TenantId tenant,
                                                     std::string_view symbol, std::size_t limit);

}  // namespace ait::ai
