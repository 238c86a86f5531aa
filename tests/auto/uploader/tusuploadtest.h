#pragma once

// Shared by tst_tusupload (the conversation, options and headers) and tst_tusupload_faults
// (what the client does with each unlucky or wrong answer): the Uploader fixture with tus
// options, scripted answers, and what FaultServer's tus route saw, as readable strings.

#include "uploadertest.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QElapsedTimer>
#include <QtTest/QSignalSpy>

namespace TusUploadTest {

using namespace UploaderTest;
using Background::Uploader;
using FaultTest::Fault;
using FaultTest::FaultServer;
using FaultTest::TusRoute;
using FaultTest::TusUpload;
using Headers = QList<QPair<QByteArray, QByteArray>>;
using Script = QHash<QByteArray, QList<Fault>>; // by method, as TusRoute::script

inline const QByteArray kFiles = "/files";
inline const QString kId = QStringLiteral("tus-1");

inline UploadOptions tusOptions(qint64 chunkSize = 0)
{
    UploadOptions o;
    o.protocol = UploadOptions::Protocol::Tus;
    o.chunkSize = chunkSize;
    return o;
}

inline TusRoute tusRoute(const Script &script = {}, qint64 throttle = 0)
{
    TusRoute r;
    r.script = script;
    r.throttle = throttle;
    return r;
}

// A scripted answer with these headers and no body (201 and 204 carry none).
inline Fault answer(int status, const Headers &headers = {})
{
    Fault f;
    f.status = status;
    f.errorBody.clear();
    f.extraHeaders = headers;
    return f;
}

inline Fault retryAfterFault(int status, const QByteArray &seconds)
{
    Fault f = answer(status);
    f.retryAfter = seconds;
    return f;
}

// PATCH: store `bytes`, then reset (drop) or stop reading for good (stall); other methods: do
// the work, then never answer.
inline Fault dropAfter(qint64 bytes)
{
    Fault f;
    f.dropAfterBytes = bytes;
    return f;
}
inline Fault stallAfter(qint64 bytes)
{
    Fault f;
    f.stallAfterBytes = bytes;
    return f;
}

inline QList<Fault> repeated(const Fault &f, int times)
{
    return QList<Fault>(times, f);
}

inline QByteArray numbers(const QList<qint64> &values)
{
    QByteArrayList out;
    for (const qint64 v : values)
        out.append(QByteArray::number(v));
    return out.join(' ');
}

// The methods a route (or one upload's path) saw, in order: "POST PATCH HEAD PATCH".
inline QByteArray methods(const FaultServer &s, const QByteArray &path = kFiles)
{
    QByteArrayList out;
    const auto all = s.requests(path);
    for (const auto &r : all)
        out.append(r.method);
    return out.join(' ');
}

// Upload-Offset, or Content-Length, of every PATCH, in order: "0 65536".
inline QByteArray
patchHeaders(const FaultServer &s, const QByteArray &name, const QByteArray &path = kFiles)
{
    QByteArrayList out;
    const auto all = s.requests(path);
    for (const auto &r : all) {
        if (r.method == "PATCH")
            out.append(r.header(name));
    }
    return out.join(' ');
}

inline QList<FaultTest::RequestRecord>
requestsWith(const FaultServer &s, const QByteArray &method, const QByteArray &path = kFiles)
{
    QList<FaultTest::RequestRecord> out;
    const auto all = s.requests(path);
    for (const auto &r : all) {
        if (r.method == method)
            out.append(r);
    }
    return out;
}

// The offset of the route's first upload; -1 before it exists.
inline qint64 storedOffset(const FaultServer &s, const QByteArray &route = kFiles)
{
    const QList<TusUpload> uploads = s.tusUploads(route);
    return uploads.isEmpty() ? -1 : uploads.constFirst().offset;
}

// "sha1 <base64>" of bytes [offset, offset + length) of `file`, as Upload-Checksum carries it.
inline QByteArray checksumOf(const QString &file, qint64 offset, qint64 length)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly) || !f.seek(offset))
        return QByteArray("unreadable");
    QCryptographicHash sha1(QCryptographicHash::Sha1);
    while (length > 0) {
        const QByteArray block = f.read(qMin<qint64>(length, 64 * kKiB));
        if (block.isEmpty())
            return QByteArray("short");
        sha1.addData(block);
        length -= block.size();
    }
    return "sha1 " + sha1.result().toBase64();
}

} // namespace TusUploadTest

// QList<Fault> and Script columns follow from this.
Q_DECLARE_METATYPE(FaultTest::Fault)
