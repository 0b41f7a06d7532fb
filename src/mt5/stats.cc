#include "ait/mt5/stats.h"

#include <string>

namespace ait::mt5 {

namespace {
metrics::Counter& errorsOf(metrics::Registry& registry, std::string_view protocol,
                           std::string_view reason) {
  return registry.counter("ait_mt5_errors_total", "MT5 messages refused, by reason",
                          {{"protocol", std::string(protocol)}, {"reason", std::string(reason)}});
}
}  // namespace

ProtocolStats::ProtocolStats(metrics::Registry& registry, std::string_view protocol)
    : messages(registry.counter("ait_mt5_messages_total", "MT5 messages accepted",
                                {{"protocol", std::string(protocol)}})),
      ticks(registry.counter("ait_mt5_ticks_total", "MT5 ticks published",
                             {{"protocol", std::string(protocol)}})),
      ticksRejected(errorsOf(registry, protocol, "tick_rejected")),
      badJson(errorsOf(registry, protocol, "bad_json")),
      badField(errorsOf(registry, protocol, "bad_field")),
      unknownType(errorsOf(registry, protocol, "unknown_type")),
      tooLong(errorsOf(registry, protocol, "too_long")),
      protocolErrors(errorsOf(registry, protocol, "protocol")),
      floods(errorsOf(registry, protocol, "flood")),
      overloaded(errorsOf(registry, protocol, "overloaded")),
      duplicates(registry.counter("ait_mt5_duplicates_total",
                                  "MT5 messages received again after a reconnect, dropped",
                                  {{"protocol", std::string(protocol)}})),
      gaps(registry.counter("ait_mt5_sequence_gaps_total", "MT5 sequence holes",
                            {{"protocol", std::string(protocol)}})),
      resent(registry.counter("ait_mt5_resent_total", "server messages resent after a reconnect",
                              {{"protocol", std::string(protocol)}})),
      commands(registry.counter("ait_mt5_commands_total", "commands sent to MT5 terminals",
                                {{"protocol", std::string(protocol)}})),
      connections(registry.gauge("ait_mt5_connections", "connected MT5 clients",
                                 {{"protocol", std::string(protocol)}})),
      receiveToPublish(
          registry.histogram("ait_mt5_receive_to_publish_seconds",
                             "time from a message's arrival to the publication of its last event",
                             {{"protocol", std::string(protocol)}})) {}

}  // namespace ait::mt5
