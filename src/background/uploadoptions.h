#pragma once

#include "background_export.h"
#include "transferinfo.h"

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>

namespace Background {

// How a file is sent. The defaults PUT the file as it is.
//
// With Protocol::Tus the request URL is the server's tus creation endpoint: the upload is
// created (POST), then sent with PATCH requests from the server's offset, so an interrupted
// upload continues where the server stopped. `method` and `body` do not apply to tus (a
// multipart tus upload is refused); `fileName`, `contentType` and `fields` travel in
// Upload-Metadata as "filename", "filetype" and the fields' own names.
struct BACKGROUND_EXPORT UploadOptions
{
    enum class Protocol {
        Http, // one request with the whole body; sent again from byte 0 after an interruption
        Tus,  // tus 1.0 resumable upload (core, creation, termination; checksum optional)
    };
    enum class Method { Put, Post, Patch };
    enum class Body {
        Raw,       // the file is the body
        Multipart, // multipart/form-data: the text fields, then the file as part `fileField`
    };

    Method method = Method::Put;
    Body body = Body::Raw;
    QByteArray contentType; // Raw: default application/octet-stream
    QString fileField = QStringLiteral("file");
    QString fileName;                      // Multipart: default the source's file name
    QList<QPair<QString, QString>> fields; // Multipart text fields, in order

    Protocol protocol = Protocol::Http;
    qint64 chunkSize = 0; // tus: at most this many bytes per PATCH; 0 = the whole remainder
    // tus: send "Upload-Checksum: sha1 ..." with every PATCH when the server advertises the
    // checksum extension with sha1. Costs one extra read of each chunk before it is sent.
    bool tusChecksum = false;

    // Higher priorities start first; kept in its own column of the store, not serialized.
    TransferInfo::Priority priority = TransferInfo::Priority::Normal;

    static QByteArray methodName(Method method); // "PUT", "POST", "PATCH"

    // Stored with the transfer so a restart sends the same body.
    QByteArray serialize() const;
    static UploadOptions deserialize(const QByteArray &data);

    friend bool operator==(const UploadOptions &a, const UploadOptions &b)
    {
        return a.method == b.method && a.body == b.body && a.contentType == b.contentType
               && a.fileField == b.fileField && a.fileName == b.fileName && a.fields == b.fields
               && a.protocol == b.protocol && a.chunkSize == b.chunkSize
               && a.tusChecksum == b.tusChecksum && a.priority == b.priority;
    }
};

} // namespace Background
