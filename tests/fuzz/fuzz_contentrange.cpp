// Content-Range (Http::parseContentRange): the whole input is the header value.

#include "fuzzcheck.h"
#include "httprules.h"

using namespace Background;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray value = FuzzInput::bytes(data, size);
    const std::optional<Http::ContentRange> range = Http::parseContentRange(value);
    if (!range)
        return 0;

    if (range->isUnsatisfied()) {
        // "bytes */N": no range, and the size is the only thing said.
        FUZZ_CHECK(range->first == -1 && range->last == -1);
        FUZZ_CHECK(range->complete >= 0);
    } else {
        FUZZ_CHECK(range->first >= 0 && range->first <= range->last);
        FUZZ_CHECK(range->complete == -1 || range->last < range->complete);
    }

    // Written out canonically, it reads back the same.
    QByteArray canonical = "bytes ";
    canonical += range->isUnsatisfied()
                         ? QByteArray("*")
                         : QByteArray::number(range->first) + '-' + QByteArray::number(range->last);
    canonical += '/';
    canonical += range->complete < 0 ? QByteArray("*") : QByteArray::number(range->complete);
    const std::optional<Http::ContentRange> again = Http::parseContentRange(canonical);
    FUZZ_CHECK(again && again->first == range->first && again->last == range->last
               && again->complete == range->complete);
    return 0;
}
