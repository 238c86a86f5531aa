#pragma once

// Turning the stored columns of a transfer back into a TransferRow, without SQL: the store file
// is data another process (or a damaged disk) wrote, so decoding must cope with any value.

#include "background_private_export.h"
#include "transferstore.h"

#include <QtCore/QByteArray>
#include <QtCore/QVariantList>

namespace Background::RowCodec {

// Indexes into the values of one row, in the order of the store's column list.
enum Column {
    Identifier,
    Url,
    Destination,
    PartialPath,
    RequestHeaders,
    ExpectedSha256,
    State,
    DurableOffset,
    CheckpointBootId,
    Total,
    ETag,
    LastModified,
    Attempts,
    CountedAttempts,
    NextAttemptAt,
    LastError,
    ResumedFrom,
    Outcome,
    HttpStatus,
    Error,
    ErrorString,
    RetryAfter,
    ResponseHeaders,
    Bytes,
    Kind,
    UploadSpec,
    Fingerprint,
    ResponseBody,
    ResponseBodyPath,
    RemoteUrl,
    Priority,
    Paused,
    Seq,
    NeedsCredentials,
    ColumnCount
};

// "Name: value" lines. A value's own line breaks (Qt joins repeated Set-Cookie headers with
// one) go on continuation lines that start with a space. Headers whose name could not be read
// back (empty, with ':' or a line break, or starting with a blank) are left out; values are
// stored trimmed.
BACKGROUND_AUTOTEST_EXPORT QByteArray encodeHeaders(const HeaderList &headers);
BACKGROUND_AUTOTEST_EXPORT HeaderList decodeHeaders(const QByteArray &data);

// Values shorter than ColumnCount read as null. A row with a state, kind, outcome or error
// outside its enum cannot be run safely (an upload's source could be taken for a download's
// destination), so it comes back Finished with a Failed/StoreError result that says why; the
// caller then reports it like any kept failure and the app can forget() it. Negative sizes and
// counts are clamped (offsets, bytes and counts to 0, totals to -1 for unknown).
BACKGROUND_AUTOTEST_EXPORT TransferRow rowFromValues(const QVariantList &values);

} // namespace Background::RowCodec
