#include "downloader.h"

#include "clientwiring.h"

namespace Background {

/*!
    \class Background::DownloadOptions
    \inmodule Background
    \inheaderfile Background/downloader.h
    \brief Per-download settings: an expected checksum and a priority.

    Pass a DownloadOptions to Downloader::networkResponse() when a download needs more than the
    request and a destination. The options are stored with the transfer when it is first asked
    for: a later call for the same identifier, a resume() and a restart all use them, and a
    later call with other options does not change them.

    \snippet downloader.cpp options

    \sa Background::Downloader
*/

/*!
    \variable Background::DownloadOptions::expectedSha256
    \brief The SHA-256 the downloaded file must have, as 64 hexadecimal digits.

    Upper and lower case are accepted. When it is set, the hash of the complete file is
    compared before the file is moved to its destination; a mismatch ends the download as
    \c Failed with \c IntegrityError, deletes the partial data and leaves the destination
    untouched. Any other value than 64 hexadecimal digits makes networkResponse() answer
    \c Failed with \c InvalidRequest at once.

    Empty (the default) means the file is not checked. Set it for servers that send no
    Content-Length: without a length or a checksum, a connection that closes early cannot be
    told from a complete body.
*/

/*!
    \variable Background::DownloadOptions::priority
    \brief Where the download stands in the queue; \c Normal by default.

    Queued transfers of a higher \l {Background::TransferInfo::Priority}{priority} start
    before those of a lower one; within one priority, the transfer asked for first starts
    first, also across restarts. A running transfer is never stopped for one of a higher
    priority. The priority is set when the transfer is first asked for.
*/

/*!
    \class Background::Downloader
    \inmodule Background
    \inheaderfile Background/downloader.h
    \brief Downloads files over HTTP and HTTPS so that they survive the end of the process
    that started them.

    A Downloader writes every transfer it is asked for into a store (an SQLite file, see
    \l Background::SessionConfiguration) before it sends a request, and names it by an
    identifier the application chooses. Asking again for the same identifier, later in this
    process or after the application was closed, crashed or was killed, does not start a
    second download:

    \table
    \header \li The identifier is \li networkResponse() then
    \row \li new \li queues the download and starts it when a slot is free
    \row \li queued or running in this process \li joins it: one request, every caller gets
         the result
    \row \li running in another process on the same store \li waits for that process, and
         takes the download over if the process dies
    \row \li unfinished after a crash or a pause \li continues from the bytes already on disk
    \row \li finished \li answers at once with the kept result, until forget()
    \endtable

    Use it instead of QNetworkAccessManager when a download is large or important enough
    that the application must not lose it, or start it again from zero, when it quits.

    \section1 Starting a download

    Create a Downloader with a \l Background::SessionConfiguration (or the default one), and
    connect to its signals for progress:

    \snippet downloader.cpp create

    networkResponse() returns a QFuture that always ends with exactly one
    \l Background::NetworkResponse. Its \l {Background::NetworkResponse::Outcome}{outcome}
    tells the application what to do:

    \snippet downloader.cpp download

    The data is written to a hidden partial file beside the destination
    (\c {.<name>.<random>.part}), made durable every
    \l {SessionConfiguration::checkpointInterval()}{checkpoint interval}, and
    renamed onto the destination only when it is complete and checked. A download that fails
    or is not finished never leaves anything at the destination path. When the download
    succeeds, the destination is replaced.

    Transient failures (HTTP 408, 429, 500, 502, 503, 504, a dropped or stalled connection)
    are retried by themselves under the session's \l Background::RetryPolicy, and every
    retry continues from the bytes already received when the server supports ranges and
    names the entity with an ETag or a Last-Modified date (otherwise it starts over). Only
    when the retries are used up does the result say \c Retry.

    \section1 Kept results and forget()

    A result is committed to the store before any caller hears of it, and is kept there:
    every later networkResponse() or resume() for the identifier answers with it, without a
    request, until forget() drops it (or the session's
    \l {SessionConfiguration::resultLifetime()}{result lifetime} expires it). Call
    forget() once the application has used the result; until then the identifier cannot be
    used for another URL or destination.

    \section1 After a restart

    With \l {SessionConfiguration::resumeOnStart()}{resumeOnStart} (the default),
    the first Downloader of a store queues every unfinished download that is not paused, one
    event-loop turn after it is created, so it continues without the application naming it.
    A download whose request carried sensitive headers is the exception: it waits until the
    application asks for it again with them.

    finished() is emitted only for transfers that end while this process is running. A
    result committed while the application was down, or just before it died, is announced by
    nobody: after a start, ask again for every identifier the application still waits for.

    \snippet downloader.cpp restart

    \section1 Credentials

    Authorization, Cookie, Proxy-Authorization and the names added with
    \l {SessionConfiguration::addSensitiveHeader()}{addSensitiveHeader()} are
    sensitive: they are sent, but never written to the store, and they are dropped when a
    redirect leads to another origin. A download continued from the store (by resume(),
    resumeAll() or the restore at start) has none of them; call networkResponse() with the
    full request instead.

    \snippet downloader.cpp credentials

    \section1 The queue, pausing and canceling

    Every transfer asked for waits in a queue. At most
    \l {SessionConfiguration::maximumConcurrentTransfers()}{a few} run at once
    (and fewer to one host), higher \l {Background::DownloadOptions::priority}{priorities}
    first. Downloads asked for within one event-loop turn are ordered before any of them
    starts. While the system reports no network, downloads wait in the \c WaitingForNetwork
    state and continue when it is back.

    pause() stops a download and keeps its partial data until resume(); the pause is stored,
    so it holds across restarts and for every process using the store. cancel() stops a
    download for good and deletes its partial data.

    \snippet downloader.cpp pause

    \section1 Processes and threads

    Every Downloader and \l Background::Uploader on the same store in one thread shares one
    engine: one network access manager, one queue, one set of signals. Processes (and
    threads) sharing a store coordinate through it: one of them owns a running transfer, the
    others wait for its result, and take it over when the owner dies. A Downloader must be
    used from the thread it lives in.

    When the last Downloader, Uploader and \l Background::TransferModel of a store in a
    thread is destroyed, its running transfers stop, keeping their partial data, and their
    futures end with \c Failed and \c Canceled. The transfers stay unfinished in the store
    and continue the next time.

    \section1 Errors

    Some calls cannot be accepted at all; their future is already finished, with \c Failed
    and one of these \l {Background::NetworkResponse::Error}{errors}:

    \table
    \header \li Error \li Cause
    \row \li \c StoreError \li the store could not be opened (see storeError()) or written
    \row \li \c InvalidIdentifier \li the identifier is empty, longer than 1024 characters,
         not valid UTF-16, or contains a control character
    \row \li \c InvalidRequest \li the URL is not http or https, the destination is empty or
         a directory, or expectedSha256 is not 64 hexadecimal digits
    \row \li \c IdentifierConflict \li the identifier is already used in the store for
         another URL, destination, or for an upload
    \endtable

    \sa Background::Uploader, Background::NetworkResponse, Background::SessionConfiguration,
        Background::TransferInfo, recoverStore()
*/

/*!
    \property Background::Downloader::pendingIdentifiers
    \brief The identifiers of the unfinished downloads in the store, oldest first.

    Unfinished means queued, running, waiting to retry, paused or waiting for the network,
    whichever process started or runs them; a download with a kept result is not pending.
    The list is read from the store at each call.

    The pendingIdentifiersChanged() signal is emitted when this process starts, finishes,
    cancels or forgets a transfer, or restores unfinished ones from the store. Changes made
    by another process are not signalled.

    \sa transfers()
*/

/*!
    \fn void Background::Downloader::progress(const QString &identifier, qint64 bytesReceived, qint64 bytesTotal)

    Emitted while the download \a identifier receives data: \a bytesReceived of
    \a bytesTotal bytes are on disk, counting those kept from earlier attempts.
    \a bytesTotal is -1 while the size is unknown.

    The signal comes at most about ten times a second per transfer, and always once when the
    last byte arrives. For a download that another process runs and this one waits for, it
    reports the bytes that process made durable, a few times a second.

    \sa transfer()
*/

/*!
    \fn void Background::Downloader::stateChanged(const QString &identifier, Background::TransferInfo::State state)

    Emitted when the download \a identifier moves to \a state: queued, running, waiting to
    retry, paused, waiting for the network, or finished.

    \c Finished is emitted after finished(). A kept result that networkResponse() answers
    from the store emits neither.

    \sa transfer(), Background::TransferInfo::State
*/

/*!
    \fn void Background::Downloader::finished(const QString &identifier, const Background::NetworkResponse &response)

    Emitted when the download \a identifier ends with \a response, after the result was
    committed to the store and just after the futures of the callers waiting for it got it.

    It is emitted for every download of the store that ends while this process runs it or
    waits for it, including one canceled with cancel() (\c Failed, \c Canceled). It is not
    emitted for a kept result that networkResponse() or resume() answers from the store, nor
    for a call refused at once (see \l {Errors}).

    \sa forget()
*/

/*!
    \fn void Background::Downloader::pendingIdentifiersChanged()

    Emitted when the list of pendingIdentifiers may have changed in this process. It is
    shared with the \l Background::Uploader objects on the same store, so it may come
    without a change in the downloads.
*/

class DownloaderPrivate
{
public:
    SessionConfiguration configuration;
    std::shared_ptr<TransferEngine> engine;
};

/*!
    Creates a downloader with the default \l Background::SessionConfiguration: the store
    \c background-transfers.sqlite under QStandardPaths::AppLocalDataLocation. \a parent is
    the QObject parent.

    Set the application name (QCoreApplication::setApplicationName()) first: the default
    store's path depends on it.
*/
Downloader::Downloader(QObject *parent)
    : Downloader(SessionConfiguration(), parent)
{}

/*!
    Creates a downloader for the session \a configuration, with the QObject parent \a parent.

    The store is opened (and created when it does not exist) here; check storeError() to
    know whether that worked. The queue settings of \a configuration (concurrency, metered
    networks) apply to every Downloader and Uploader of the same store in this thread.
    When \l {SessionConfiguration::resumeOnStart()}{resumeOnStart()} is true and
    this is the first Downloader of the store in this thread, the unfinished downloads of the
    store are queued one event-loop turn later, so connect to the signals right after
    construction to hear of them.
*/
Downloader::Downloader(const SessionConfiguration &configuration, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<DownloaderPrivate>())
{
    d->configuration = configuration;
    d->engine = TransferEngine::forConfiguration(configuration);
    connectClient(this, d->engine.get(), TransferInfo::Kind::Download);
}

/*!
    Destroys the downloader.

    The transfers keep running while another Downloader, Uploader or TransferModel uses the
    same store in this thread. When this was the last one, running transfers stop with their partial data
    kept, their futures end with \c Failed and \c Canceled, and they stay unfinished in the
    store for the next run.
*/
Downloader::~Downloader() = default;

/*!
    Returns the session configuration this downloader was created with.
*/
SessionConfiguration Downloader::configuration() const
{
    return d->configuration;
}

/*!
    Returns \c NoError when the store opened, otherwise \c StoreError.

    A downloader whose store did not open answers every networkResponse() and resume() with
    \c Failed and \c StoreError, reports no transfers, and changes nothing. The store may be
    locked or out of reach (permissions, a missing volume), or unusable: corrupt, another
    application's SQLite database, or written by a newer version of the library. An unusable
    store is never modified or replaced by the library on its own; recoverStore() moves it
    aside. storeErrorString() says which case it is.

    \snippet downloader.cpp recover

    \sa storeErrorString(), recoverStore()
*/
NetworkResponse::Error Downloader::storeError() const
{
    return d->engine->store().error();
}
/*!
    Returns why the store could not be opened, naming its path, or an empty string when it
    opened.

    \sa storeError()
*/
QString Downloader::storeErrorString() const
{
    return d->engine->store().errorString();
}

/*!
    \overload

    Downloads \a request to \a destinationPath under the name \a identifier, with the default
    DownloadOptions.
*/
QFuture<NetworkResponse> Downloader::networkResponse(const QNetworkRequest &request,
                                                     const QString &identifier,
                                                     const QString &destinationPath)
{
    return networkResponse(request, identifier, destinationPath, DownloadOptions());
}

/*!
    Downloads the URL of \a request to \a destinationPath, names the transfer \a identifier,
    and returns a future of its result. \a options sets an expected checksum and a priority.

    The identifier is the application's stable name for this download, unique in the store
    across downloads and uploads. What the call does depends on what the store knows of it:

    \list
    \li Unknown: the download is stored and queued; it starts when a slot is free, in a
        later event-loop turn.
    \li Queued or running in this process: the call joins it. No second request is sent and
        every future gets the same result. While the transfer is queued and has not started,
        this call's \a request replaces the earlier one; so a call with credentials supplies
        them to a transfer the restore at start queued without them.
    \li Running in another process on the same store: the future waits for that process's
        result, and this process takes the download over when the other one dies.
    \li Unfinished after a crash or a reboot: the download continues from the partial data
        on disk, with a range request that checks the server still has the same entity;
        when the server cannot show that, it starts over.
    \li Paused: the future waits until resume() is called, here or in another process.
    \li Finished: the future is already finished, with the kept result.
    \endlist

    The URL and destination must match those stored for the identifier; otherwise the result
    is \c Failed with \c IdentifierConflict. A later call's \a options and non-sensitive
    headers do not change a transfer that exists already.

    Only http and https URLs are accepted. Requests always ask for the identity encoding, and
    redirects are followed by the library (never from https to http, at most
    \l {SessionConfiguration::maximumRedirects()}{maximumRedirects()}), dropping
    sensitive headers when the origin changes.

    The future never ends without a result and is never canceled. The result's
    \l {NetworkResponse::filePath()}{filePath()} is \a destinationPath (made
    absolute) when it succeeded.

    \sa resume(), forget(), finished(), {Errors}
*/
QFuture<NetworkResponse> Downloader::networkResponse(const QNetworkRequest &request,
                                                     const QString &identifier,
                                                     const QString &destinationPath,
                                                     const DownloadOptions &options)
{
    return d->engine->download(request, identifier, destinationPath, options, d->configuration);
}

/*!
    Continues the download \a identifier with the request the store remembers, and returns a
    future of its result.

    A paused download is unpaused, in the store, so the process that finds it free first
    (this one, or another waiting for it) runs it. A kept result that can be continued, a
    \c Retry or a \c Failed one with \c DiskFull, is dropped and the download continues from
    its partial data. Any other kept result is answered as it is, and a download already
    queued or running is joined.

    The stored request has no sensitive headers. A transfer queued or running in this
    process keeps the request it has; when a caller in this process is waiting for the
    transfer because it was paused or another process runs it, that caller's request is used,
    with its headers; otherwise call networkResponse() with the credentials instead.

    An identifier the store does not know ends \c Failed with \c InvalidIdentifier.

    \sa pause(), resumeAll()
*/
QFuture<NetworkResponse> Downloader::resume(const QString &identifier)
{
    return d->engine->resume(identifier, d->configuration);
}

QStringList Downloader::pendingIdentifiers() const
{
    return d->engine->store().unfinishedIdentifiers(TransferInfo::Kind::Download);
}

/*!
    Returns a snapshot of every download in the store, finished or not, whichever process
    started it, oldest first.

    A transfer whose owner died is reported as queued. The speed and time left are known
    only for transfers this process runs.

    \sa transfer(), Background::TransferModel
*/
QList<TransferInfo> Downloader::transfers() const
{
    return d->engine->transfers(TransferInfo::Kind::Download);
}

/*!
    Returns a snapshot of the transfer \a identifier, or \c std::nullopt when the store has
    none by that name.

    Identifiers are unique in a store across downloads and uploads, so this also finds an
    upload; check the snapshot's \l {Background::TransferInfo::kind}{kind}. A finished
    transfer carries its kept \l {Background::TransferInfo::result}{result}.

    \sa transfers()
*/
std::optional<TransferInfo> Downloader::transfer(const QString &identifier) const
{
    return d->engine->transfer(identifier);
}

/*!
    Drops the kept result of the finished transfer \a identifier from the store, so that the
    identifier can be used again. The file at the destination stays where it is; any partial
    data a \c Retry or \c DiskFull result kept is deleted, so asking again starts from zero.

    Returns \c false when the store has no such transfer or it has not finished; use cancel()
    to stop an unfinished one.

    \sa cancel(), SessionConfiguration::resultLifetime()
*/
bool Downloader::forget(const QString &identifier)
{
    return d->engine->forget(identifier);
}
/*!
    Stops the unfinished transfer \a identifier, deletes its partial data and its record, and
    ends its futures with \c Failed and \c Canceled; finished() is emitted with that result.
    The identifier can then be used again. Nothing is left at the destination.

    This works on a transfer another process runs: that process notices at its next
    checkpoint that the record is gone and stops.

    Returns \c false when the store has no such transfer or it has already finished (use
    forget() then).

    \sa pause()
*/
bool Downloader::cancel(const QString &identifier)
{
    return d->engine->cancel(identifier);
}
/*!
    Stops the unfinished transfer \a identifier and keeps its partial data until resume() or
    resumeAll(). The futures waiting for it keep waiting, and stateChanged() reports
    \c Paused.

    The pause is stored: a paused transfer is not restored at start, and networkResponse()
    for it waits instead of starting it. It also stops a transfer another process runs; that
    process lets go within a quarter of a second.

    Returns \c false when the store has no such transfer or it has finished.

    \sa resume(), cancel()
*/
bool Downloader::pause(const QString &identifier)
{
    return d->engine->pause(identifier);
}
/*!
    Unpauses every paused download of the store and queues every unfinished one this
    process does not have in hand yet, with the requests the store remembers; one that
    another process runs is then waited for, and taken over if that process dies. Returns
    the number of unfinished downloads in the store, those already running included.

    Unlike the restore at start, this also queues downloads whose request carried sensitive
    headers; they are sent without them. Kept results, \c Retry ones included, are not
    touched: resume() continues those one by one.

    \sa resume(), pause()
*/
int Downloader::resumeAll()
{
    return d->engine->resumeAll(TransferInfo::Kind::Download, d->configuration);
}

} // namespace Background
