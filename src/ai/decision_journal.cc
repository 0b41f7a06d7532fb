#include "ait/ai/decision_journal.h"

#include <algorithm>
#include <deque>
#include <limits>

#include "ait/data/visibility.h"
#include "ait/model/codec.h"

namespace ait::ai {

model::DecisionSignal toEventSignal(Signal signal) noexcept {
  switch (signal) {
    case Signal::StrongSell: return model::DecisionSignal::StrongSell;
    case Signal::Sell: return model::DecisionSignal::Sell;
    case Signal::Hold: return model::DecisionSignal::Hold;
    case Signal::Buy: return model::DecisionSignal::Buy;
    case Signal::StrongBuy: return model::DecisionSignal::StrongBuy;
  }
  return model::DecisionSignal::Hold;
}

model::EnsembleKind toEventEnsemble(EnsembleMethod method) noexcept {
  switch (method) {
    case EnsembleMethod::WeightedAverage: return model::EnsembleKind::WeightedAverage;
    case EnsembleMethod::MajorityVote: return model::EnsembleKind::MajorityVote;
    case EnsembleMethod::Stacking: return model::EnsembleKind::Stacking;
  }
  return model::EnsembleKind::WeightedAverage;
}

model::ModelVoteStatus toEventStatus(ModelStatus status) noexcept {
  switch (status) {
    case ModelStatus::Fresh: return model::ModelVoteStatus::Fresh;
    case ModelStatus::Late: return model::ModelVoteStatus::Late;
    case ModelStatus::Failed: return model::ModelVoteStatus::Failed;
    case ModelStatus::CircuitOpen: return model::ModelVoteStatus::CircuitOpen;
    case ModelStatus::OverBudget: return model::ModelVoteStatus::OverBudget;
  }
  return model::ModelVoteStatus::None;
}

namespace {

std::uint32_t saturated(std::int64_t ns) noexcept {
  if (ns <= 0) return 0;
  return static_cast<std::uint32_t>(
      std::min<std::int64_t>(ns, std::numeric_limits<std::uint32_t>::max()));
}

// The codec refuses non-finite numbers: a model's NaN never reaches the event.
double finiteOr0(double v) noexcept { return std::isfinite(v) ? v : 0.0; }

}  // namespace

model::Decision toEvent(const Decision& d, const DecisionContext& context,
                        TimestampNs now) noexcept {
  model::Decision e;
  e.header.tenant = context.tenant;
  e.header.tsEvent = d.ts;
  e.header.tsRecv = now;
  e.strategy = context.strategy;
  e.instrument = context.instrument;
  e.decisionSequence = d.sequence;
  e.inputsHash = d.inputsHash;
  e.signal = toEventSignal(d.signal);
  e.ensemble = toEventEnsemble(context.method);
  e.score = finiteOr0(d.score);
  e.confidence = finiteOr0(d.confidence);
  e.latencyNs = saturated(d.latencyNs);
  if (d.degraded) e.flags |= model::kDecisionDegraded;
  const std::size_t n = std::min<std::size_t>(d.modelCount, model::kDecisionModels);
  if (d.modelCount > model::kDecisionModels) e.flags |= model::kDecisionTruncated;
  e.modelCount = static_cast<std::uint32_t>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const ModelOutcome& o = d.models[i];
    e.modelKeys[i] = o.key;
    e.modelStatus[i] = toEventStatus(o.status);
    e.modelValues[i] = finiteOr0(o.value);
    e.modelScores[i] = static_cast<float>(finiteOr0(o.score));
    e.modelWeights[i] = static_cast<float>(finiteOr0(o.weight));
    e.modelLatencyNs[i] = saturated(o.latencyNs);
    if (o.used) e.usedMask |= 1U << i;
  }
  return e;
}

Expected<std::vector<model::Decision>> readDecisions(const journal::Journal& journal,
                                                     model::TenantId tenant,
                                                     std::string_view symbol, std::size_t limit) {
  journal::ReadOptions options;
  options.types = {std::to_underlying(model::EventType::Decision)};
  auto reader = journal.reader(options);
  if (!reader) return Unexpected(reader.error());
  std::deque<model::Decision> latest;
  if (limit == 0) return std::vector<model::Decision>{};
  while (true) {
    auto record = reader->next();
    if (!record) return Unexpected(record.error());
    if (!record->has_value()) break;
    auto event = model::decode((*record)->payload);
    if (!event) return Unexpected(event.error());
    const auto* decision = std::get_if<model::Decision>(&*event);
    if (decision == nullptr || !data::visibleTo(tenant, decision->header.tenant)) continue;
    if (!symbol.empty() && decision->instrument.symbol.view() != symbol) continue;
    latest.push_back(*decision);
    latest.back().header.sequence = (*record)->seq;
    if (latest.size() > limit) latest.pop_front();
  }
  return std::vector<model::Decision>(latest.rbegin(), latest.rend());
}

}  // namespace ait::ai
