#pragma once

// The tus 1.0 resumable upload protocol's rules as pure functions: no I/O, tested in isolation.
// https://tus.io/protocols/resumable-upload

#include "background_private_export.h"
#include "uploadoptions.h"

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <optional>

namespace Background::Tus {

inline constexpr char Version[] = "1.0.0";
inline constexpr char PatchContentType[] = "application/offset+octet-stream";

// What a status means to a tus client, whatever the request was.
enum class Reply {
    Ok,               // 2xx
    Conflict,         // 409: our offset is not the server's; ask with HEAD
    Gone,             // 404, 410: the upload is unknown or expired; create a new one
    Locked,           // 423: another request holds the upload; retry later
    ChecksumMismatch, // 460: the chunk arrived damaged; send it again
    Other,            // left to the outcome table
};
BACKGROUND_AUTOTEST_EXPORT Reply classify(int status);

// Upload-Offset and Upload-Length: plain non-negative decimals (surrounding blanks allowed).
BACKGROUND_AUTOTEST_EXPORT std::optional<qint64> parseOffset(const QByteArray &value);

// Metadata keys are non-empty ASCII without spaces or commas.
BACKGROUND_AUTOTEST_EXPORT bool isValidMetadataKey(const QString &key);
// "key base64(value)" pairs joined by commas; an empty value is sent as the key alone.
// Pairs with invalid keys are left out (callers refuse them up front).
BACKGROUND_AUTOTEST_EXPORT QByteArray encodeMetadata(const QList<QPair<QString, QString>> &pairs);
// The inverse, for tests and tools; nullopt when malformed.
BACKGROUND_AUTOTEST_EXPORT std::optional<QList<QPair<QString, QString>>>
decodeMetadata(const QByteArray &header);

// The upload URL a creation answer points at: Location resolved against the request's URL.
// Only http and https, and never https -> http; nullopt otherwise.
BACKGROUND_AUTOTEST_EXPORT std::optional<QUrl> uploadUrl(const QUrl &endpoint,
                                                         const QByteArray &location);

// Whether a comma-separated header (Tus-Extension, Tus-Checksum-Algorithm) lists `token`,
// case-insensitively.
BACKGROUND_AUTOTEST_EXPORT bool listsToken(const QByteArray &header, const QByteArray &token);

// "sha1 <base64 of the digest>" for Upload-Checksum.
BACKGROUND_AUTOTEST_EXPORT QByteArray sha1ChecksumHeader(const QByteArray &digest);

// How many bytes the next PATCH carries: the remainder, capped by chunkSize when it is > 0.
BACKGROUND_AUTOTEST_EXPORT qint64 nextChunkLength(qint64 offset, qint64 total, qint64 chunkSize);

// Why `options` cannot make a tus upload (empty when they can): a multipart body, a field name
// that cannot be a metadata key, a negative chunk size. Plain HTTP options always pass.
BACKGROUND_AUTOTEST_EXPORT QString checkOptions(const UploadOptions &options);

} // namespace Background::Tus
