#pragma once
// Error codes of the ai component (features, models, decisions): AIT-AI-xxxx.

#include "ait/core/error.h"

namespace ait::ai {

inline constexpr ErrorCode kBadFeatureSpec{"AIT-AI-0001", Category::Config, Severity::High,
                                           "feature specification is malformed"};
inline constexpr ErrorCode kBadBarFile{"AIT-AI-0002", Category::Data, Severity::High,
                                       "OHLC bar file cannot be read"};
inline constexpr ErrorCode kBadModelFile{"AIT-AI-0003", Category::Model, Severity::High,
                                         "model file is malformed or unsupported"};
inline constexpr ErrorCode kFeatureMismatch{"AIT-AI-0004", Category::Model, Severity::High,
                                            "model's input features do not match the pipeline"};
inline constexpr ErrorCode kUnknownModelKind{"AIT-AI-0005", Category::Model, Severity::High,
                                             "no model kind is registered under this name"};
inline constexpr ErrorCode kModelNotFound{"AIT-AI-0006", Category::Validation, Severity::Low,
                                          "no model is loaded under this name"};
inline constexpr ErrorCode kPredictFailed{"AIT-AI-0007", Category::Model, Severity::Medium,
                                          "a model failed to predict"};
inline constexpr ErrorCode kNoModelAnswered{"AIT-AI-0008", Category::Model, Severity::High,
                                            "no model answered within the decision budget"};
inline constexpr ErrorCode kTooManyModels{"AIT-AI-0009", Category::Resource, Severity::Medium,
                                          "the decision engine has no free model slot"};
inline constexpr ErrorCode kBadTimeframe{"AIT-AI-0010", Category::Validation, Severity::Medium,
                                         "timeframe is malformed"};
inline constexpr ErrorCode kChatFailed{"AIT-AI-0011", Category::Network, Severity::Medium,
                                       "the chat completion provider failed or answered an error"};
inline constexpr ErrorCode kChatBadAnswer{"AIT-AI-0012", Category::Data, Severity::Medium,
                                          "the chat provider's answer is not an OpenAI chat completion"};
inline constexpr ErrorCode kChatConfig{"AIT-AI-0013", Category::Config, Severity::High,
                                       "the chat provider is misconfigured"};
inline constexpr ErrorCode kInputDrift{"AIT-AI-0014", Category::Model, Severity::Medium,
                                       "a model's live inputs drift from their training distribution"};
inline constexpr ErrorCode kSeriesFull{"AIT-AI-0015", Category::Resource, Severity::High,
                                       "every market data series of the service is taken"};

}  // namespace ait::ai
