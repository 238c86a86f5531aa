// The upload spec stored with each upload row (UploadOptions::deserialize), and the tus
// options check that runs on it. The whole input is the stored JSON.

#include "fuzzcheck.h"
#include "tusrules.h"
#include "uploadoptions.h"

using namespace Background;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const UploadOptions options = UploadOptions::deserialize(FuzzInput::bytes(data, size));
    FUZZ_CHECK(options.chunkSize >= 0);
    FUZZ_CHECK(int(options.method) >= 0 && options.method <= UploadOptions::Method::Patch);
    FUZZ_CHECK(options.body == UploadOptions::Body::Raw
               || options.body == UploadOptions::Body::Multipart);
    FUZZ_CHECK(options.protocol == UploadOptions::Protocol::Http
               || options.protocol == UploadOptions::Protocol::Tus);
    // Decoded options are sound: serialized again, they read back the same (chunk size and
    // checksum are tus settings, only kept for tus).
    UploadOptions expected = options;
    if (expected.protocol != UploadOptions::Protocol::Tus) {
        expected.chunkSize = 0;
        expected.tusChecksum = false;
    }
    FUZZ_CHECK(UploadOptions::deserialize(options.serialize()) == expected);
    (void)Tus::checkOptions(options);
    return 0;
}
