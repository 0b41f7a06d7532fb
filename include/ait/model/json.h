#pragma once
// JSON rendering of events for APIs, tools and logs (not the hot path). Prices, quantities and
// amounts are exact decimal strings; timestamps appear twice, as ISO 8601 text and as integer ns
// ("ts_event" and "ts_event_ns"). Example and field names: docs/events.md.

#include <string_view>

#include <nlohmann/json.hpp>

#include "ait/core/error.h"
#include "ait/model/events.h"

namespace ait::model {

/// Returns {"type": "order_filled", "type_id": 204, "version": 1, "tenant_id": .., "ts_event":
/// "<ISO 8601>", "ts_event_ns": .., "ts_recv": .., "ts_recv_ns": .., "sequence": .., fields...};
/// absent optional fields are left out.
nlohmann::json toJson(const Event& event);

/// Reads any event from the shape toJson writes. Header fields may be omitted (0), and so may
/// optional, identifier and text fields (empty); every other field is required. Decimals are
/// strings ("1.10235"; JSON numbers are accepted and read as their shortest decimal), timestamps
/// ISO 8601 text or an integer "<name>_ns". Unknown fields are an error, so a misspelt optional
/// field is not silently dropped.
Expected<Event> fromJson(const nlohmann::json& json);

/// Reads a command (submit_order, cancel_order, modify_order) as fromJson does, then validates
/// it (ait::model::validate); other event types are refused.
Expected<Event> commandFromJson(const nlohmann::json& json);

/// Parses JSON text and reads an event as fromJson does; malformed JSON is an error, not an
/// exception.
Expected<Event> fromJsonText(std::string_view text);

}  // namespace ait::model
