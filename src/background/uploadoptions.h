#pragma once

#include "background_export.h"

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>

namespace Background {

// How a file is sent. The defaults PUT the file as it is.
struct BACKGROUND_EXPORT UploadOptions
{
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

    static QByteArray methodName(Method method); // "PUT", "POST", "PATCH"

    // Stored with the transfer so a restart sends the same body.
    QByteArray serialize() const;
    static UploadOptions deserialize(const QByteArray &data);

    friend bool operator==(const UploadOptions &a, const UploadOptions &b)
    {
        return a.method == b.method && a.body == b.body && a.contentType == b.contentType
               && a.fileField == b.fileField && a.fileName == b.fileName && a.fields == b.fields;
    }
};

} // namespace Background
