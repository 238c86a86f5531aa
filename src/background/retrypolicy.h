#pragma once

#include "background_export.h"

#include <chrono>
#include <optional>

namespace Background {

// When and how often a transient outcome is tried again.
// The delay before retry n (1-based) is a uniformly random value in [0, min(maxDelay, baseDelay *
// 2^(n-1))]
// ("full jitter"); a server's Retry-After, clamped to maxRetryAfter, is a lower bound.
class BACKGROUND_EXPORT RetryPolicy
{
public:
    int maxRetries = 5; // 0: report the first outcome as it is
    std::chrono::milliseconds baseDelay{1000};
    std::chrono::milliseconds maxDelay{std::chrono::minutes(5)};
    std::chrono::seconds maxRetryAfter{std::chrono::hours(1)};

    // random01 is a value in [0, 1); passing it in keeps this a pure function.
    std::chrono::milliseconds
    delayForRetry(int retry, std::optional<std::chrono::seconds> retryAfter, double random01) const;

    friend bool operator==(const RetryPolicy &a, const RetryPolicy &b)
    {
        return a.maxRetries == b.maxRetries && a.baseDelay == b.baseDelay
               && a.maxDelay == b.maxDelay && a.maxRetryAfter == b.maxRetryAfter;
    }
};

} // namespace Background
