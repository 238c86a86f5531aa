#include "transfermodel.h"

#include "transferengine.h"

#include <QtCore/QTimer>

namespace Background {

/*!
    \class Background::TransferModel
    \inmodule Background
    \inheaderfile Background/transfermodel.h
    \brief A live list model of every transfer in a store, downloads and uploads.

    TransferModel is a QAbstractListModel with one row per transfer of a store, for a list in
    a widget window (QListView, QTableView through a proxy) or in Qt Quick. Rows are ordered
    oldest first, as the store holds them; a transfer asked for later is appended. The model
    keeps itself up to date from the session's engine:

    \list
    \li a row appears when a transfer is asked for (or restored on start-up);
    \li it changes with the transfer's state and progress, at most about ten times a second
        per transfer, and dataChanged() names only the roles whose values changed;
    \li it goes when the transfer's result is forgotten, or the transfer is canceled.
    \endlist

    A finished transfer keeps its row, with its outcome, until \c forget().

    The model is a client of the store like \l Background::Downloader and
    \l Background::Uploader, and shares their engine when they use the same store in the same
    thread. It only shows transfers: it never starts, restores or resumes one. Not every change
    that another process makes to a shared store is signalled here; reload() reads everything
    again.

    Each row offers the roles of Role, named for QML by roleNames(); transfer() gives the
    whole \l Background::TransferInfo of a row. Qt::DisplayRole shows the identifier.

    A proxy model that keeps only the transfers still under way, by their outcome:

    \snippet transfermodel.cpp unfinished

    and the model under it, with a look at the progress as it changes:

    \snippet transfermodel.cpp model

    In QML, the module Background offers the same model as the \c TransferModel type.

    \sa Background::TransferInfo, Downloader::transfers()
*/

/*!
    \enum Background::TransferModel::Role

    The data of a row, in the order of roleNames(). Each role's name for QML is given in
    brackets.

    \value IdentifierRole
        (\c identifier) QString: the transfer's identifier. Qt::DisplayRole returns it too.
    \value KindRole
        (\c kind) QString: \c download or \c upload.
    \value UrlRole
        (\c url) QUrl: the URL the app asked for.
    \value LocalPathRole
        (\c localPath) QString: the destination of a download, the source of an upload.
    \value StateRole
        (\c state) int: the TransferInfo::State.
    \value StateNameRole
        (\c stateName) QString: TransferInfo::stateName() of the state, such as \c running.
    \value BytesDoneRole
        (\c bytesDone) qint64: the bytes done so far (TransferInfo::bytesReceived).
    \value BytesTotalRole
        (\c bytesTotal) qint64: the size of the transfer, or -1 while unknown.
    \value ProgressRole
        (\c progress) double: the fraction done, from 0 to 1, or -1 while the size is unknown.
        An empty file is at 1 once it succeeded.
    \value SpeedRole
        (\c speed) qint64: bytes per second, smoothed; 0 when unknown, and always 0 for a
        transfer another process runs.
    \value EtaRole
        (\c eta) qint64: the estimated seconds left, or -1 when unknown.
    \value OutcomeRole
        (\c outcome) int: the NetworkResponse::Outcome of the result, or -1 while the transfer
        is unfinished.
    \value HttpStatusRole
        (\c httpStatus) int: the HTTP status of the result, or 0 while unfinished or when no
        server answered.
    \value ErrorStringRole
        (\c errorString) QString: the result's error, or the last transient failure of an
        unfinished transfer; empty when there was none.
    \value AttemptsRole
        (\c attempts) int: the attempts started so far.
    \value NextAttemptAtRole
        (\c nextAttemptAt) QDateTime: when the next attempt is due; invalid unless the
        transfer waits to retry.
    \value PriorityRole
        (\c priority) int: the TransferInfo::Priority.
*/

/*!
    \property Background::TransferModel::count
    \brief The number of rows: every transfer in the store.
*/

/*!
    \property Background::TransferModel::storePath
    \brief The path of the store whose transfers the model shows.

    Setting it resets the model to the transfers of that store. An empty path selects the
    default store, SessionConfiguration::defaultStorePath(); reading it then returns that
    path.
*/
class TransferModelPrivate
{
public:
    explicit TransferModelPrivate(TransferModel *q)
        : q(q)
    {}

    void attach();
    void detach();
    // Reads one transfer again and inserts, updates or removes its row to match.
    // `announced`: the state the engine just signalled.
    void refresh(const QString &identifier,
                 std::optional<TransferInfo::State> announced = std::nullopt);
    // A progress signal: the row's bytes, speed and ETA without reading the store again.
    void progressed(const QString &identifier, qint64 done, qint64 total);
    // Replaces a row, signalling only the roles that changed.
    void update(int row, const TransferInfo &fresh);
    void append(const TransferInfo &info);
    void removeRow(int row);
    void rebuildIndex(int from);

    TransferModel *q;
    SessionConfiguration configuration;
    std::shared_ptr<TransferEngine> engine;
    QList<TransferInfo> rows;
    QHash<QString, int> index; // identifier -> row
};

namespace {

QVariant roleValue(const TransferInfo &t, int role)
{
    switch (role) {
    case Qt::DisplayRole:
    case TransferModel::IdentifierRole:
        return t.identifier;
    case TransferModel::KindRole:
        return t.kind == TransferInfo::Kind::Upload ? QStringLiteral("upload")
                                                    : QStringLiteral("download");
    case TransferModel::UrlRole:
        return t.url;
    case TransferModel::LocalPathRole:
        return t.localPath;
    case TransferModel::StateRole:
        return int(t.state);
    case TransferModel::StateNameRole:
        return TransferInfo::stateName(t.state);
    case TransferModel::BytesDoneRole:
        return t.bytesReceived;
    case TransferModel::BytesTotalRole:
        return t.bytesTotal;
    case TransferModel::ProgressRole:
        if (t.bytesTotal < 0)
            return -1.0;
        if (t.bytesTotal == 0) // an empty file is done once it finished well
            return t.result && t.result->isSuccess() ? 1.0 : 0.0;
        return qBound(0.0, double(t.bytesReceived) / double(t.bytesTotal), 1.0);
    case TransferModel::SpeedRole:
        return t.bytesPerSecond;
    case TransferModel::EtaRole:
        return t.etaSeconds;
    case TransferModel::OutcomeRole:
        return t.result ? int(t.result->outcome()) : -1;
    case TransferModel::HttpStatusRole:
        return t.result ? t.result->httpStatus() : 0;
    case TransferModel::ErrorStringRole:
        return t.lastError;
    case TransferModel::AttemptsRole:
        return t.attempts;
    case TransferModel::NextAttemptAtRole:
        return t.nextAttemptAt;
    case TransferModel::PriorityRole:
        return int(t.priority);
    default:
        return {};
    }
}

constexpr int kFirstRole = TransferModel::IdentifierRole;
constexpr int kLastRole = TransferModel::PriorityRole;

} // namespace

void TransferModelPrivate::attach()
{
    engine = TransferEngine::forConfiguration(configuration);
    TransferEngine *e = engine.get();
    QObject::connect(e,
                     &TransferEngine::stateChanged,
                     q,
                     [this](TransferInfo::Kind, const QString &id, TransferInfo::State state) {
                         refresh(id, state);
                     });
    QObject::connect(e,
                     &TransferEngine::progress,
                     q,
                     [this](TransferInfo::Kind, const QString &id, qint64 done, qint64 total) {
                         progressed(id, done, total);
                     });
    // A canceled transfer (here or by another process) ends with a Canceled result and no row.
    QObject::connect(e,
                     &TransferEngine::finished,
                     q,
                     [this](TransferInfo::Kind, const QString &id, const NetworkResponse &) {
                         refresh(id);
                     });
    QObject::connect(e, &TransferEngine::removed, q, [this](TransferInfo::Kind, const QString &id) {
        if (const int row = index.value(id, -1); row >= 0)
            removeRow(row);
    });
    rows = e->transfers();
    rebuildIndex(0);
}

void TransferModelPrivate::detach()
{
    if (engine)
        QObject::disconnect(engine.get(), nullptr, q, nullptr);
    engine.reset();
    rows.clear();
    index.clear();
}

void TransferModelPrivate::rebuildIndex(int from)
{
    for (int i = from; i < rows.size(); ++i)
        index.insert(rows.at(i).identifier, i);
}

void TransferModelPrivate::append(const TransferInfo &info)
{
    // New transfers are the newest in the store, so they go last, as transfers() orders them.
    const int row = int(rows.size());
    q->beginInsertRows(QModelIndex(), row, row);
    rows.append(info);
    index.insert(info.identifier, row);
    q->endInsertRows();
    Q_EMIT q->countChanged();
}

void TransferModelPrivate::removeRow(int row)
{
    q->beginRemoveRows(QModelIndex(), row, row);
    index.remove(rows.at(row).identifier);
    rows.removeAt(row);
    rebuildIndex(row);
    q->endRemoveRows();
    Q_EMIT q->countChanged();
}

void TransferModelPrivate::refresh(const QString &identifier,
                                   std::optional<TransferInfo::State> announced)
{
    if (!engine)
        return;
    const int row = index.value(identifier, -1);
    std::optional<TransferInfo> fresh = engine->transfer(identifier);
    if (!fresh) {
        if (row >= 0)
            removeRow(row);
        return;
    }
    // The engine's signal is newer than the store: a job it just started has not written
    // its row yet.
    if (announced && fresh->state != TransferInfo::State::Finished) {
        fresh->state = *announced;
        if (*announced != TransferInfo::State::Waiting)
            fresh->nextAttemptAt = QDateTime();
    }
    if (row < 0)
        append(*fresh);
    else
        update(row, *fresh);
}

void TransferModelPrivate::progressed(const QString &identifier, qint64 done, qint64 total)
{
    const int row = index.value(identifier, -1);
    if (!engine || row < 0) {
        refresh(identifier);
        return;
    }
    TransferInfo fresh = rows.at(row);
    fresh.bytesReceived = done;
    fresh.bytesTotal = total;
    engine->addLiveProgress(&fresh);
    update(row, fresh);
}

void TransferModelPrivate::update(int row, const TransferInfo &fresh)
{
    // Only the roles that changed, so a view redraws no more than it must.
    QList<int> changed;
    for (int role = kFirstRole; role <= kLastRole; ++role) {
        if (roleValue(rows.at(row), role) != roleValue(fresh, role))
            changed.append(role);
    }
    rows[row] = fresh;
    if (changed.isEmpty())
        return;
    const QModelIndex at = q->index(row);
    Q_EMIT q->dataChanged(at, at, changed);
}

/*!
    \fn Background::TransferModel::TransferModel(QObject *parent)

    Constructs a model of the default store (SessionConfiguration::defaultStorePath()) with the
    given \a parent.

    The store opens one event-loop turn later, and the rows come then, so that a store path
    set right after construction (as QML sets its properties) opens only that store.
*/
TransferModel::TransferModel(QObject *parent)
    : QAbstractListModel(parent)
    , d(std::make_unique<TransferModelPrivate>(this))
{
    // The default store opens one event-loop turn later, so a path set right after
    // construction (as QML does) never touches the default one.
    QTimer::singleShot(0, this, [this] {
        if (d->engine)
            return;
        beginResetModel();
        d->attach();
        endResetModel();
        if (!d->rows.isEmpty())
            Q_EMIT countChanged();
    });
}

/*!
    \fn Background::TransferModel::TransferModel(const Background::SessionConfiguration &configuration, QObject *parent)

    Constructs a model of the store of \a configuration with the given \a parent. The store
    opens at once: the rows are there when the constructor returns.

    Only the store path of \a configuration matters to the model, unless the model is the
    first client to open the store in this thread: then its session-wide settings (such as
    SessionConfiguration::resultLifetime()) apply to the session.
*/
TransferModel::TransferModel(const SessionConfiguration &configuration, QObject *parent)
    : QAbstractListModel(parent)
    , d(std::make_unique<TransferModelPrivate>(this))
{
    d->configuration = configuration;
    d->attach();
}

/*!
    \fn Background::TransferModel::~TransferModel()

    Destroys the model. The transfers go on.
*/
TransferModel::~TransferModel()
{
    d->detach();
}

/*!
    \fn QString Background::TransferModel::storePath() const

    Returns the path of the store the model shows.

    \sa setStorePath()
*/
QString TransferModel::storePath() const
{
    return d->configuration.storePath();
}

/*!
    \fn void Background::TransferModel::setStorePath(const QString &path)

    Makes the model show the store at \a path, or the default store when \a path is empty. The
    model is reset; countChanged() and storePathChanged() are emitted when the values change.

    \sa storePath()
*/
void TransferModel::setStorePath(const QString &path)
{
    const QString before = d->configuration.storePath();
    SessionConfiguration next = d->configuration;
    next.setStorePath(path);
    if (d->engine && next.storePath() == before)
        return;
    const int oldCount = count();
    beginResetModel();
    d->detach();
    d->configuration = next;
    d->attach();
    endResetModel();
    if (count() != oldCount)
        Q_EMIT countChanged();
    if (storePath() != before)
        Q_EMIT storePathChanged();
}

/*!
    \fn int Background::TransferModel::count() const

    Returns the number of transfers in the model, which is rowCount().
*/
int TransferModel::count() const
{
    return int(d->rows.size());
}

/*!
    \fn int Background::TransferModel::rowCount(const QModelIndex &parent) const

    Returns the number of transfers when \a parent is the invalid index of the list's root,
    and 0 for any other (a list has no children).
*/
int TransferModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : count();
}

/*!
    \fn QVariant Background::TransferModel::data(const QModelIndex &index, int role) const

    Returns the value of \a role (one of Role, or Qt::DisplayRole for the identifier) for the
    transfer at \a index; an invalid QVariant for an invalid index or an unknown role.
*/
QVariant TransferModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    return roleValue(d->rows.at(index.row()), role);
}

/*!
    \fn QHash<int, QByteArray> Background::TransferModel::roleNames() const

    Returns the names of the roles for QML: \c display and the names given with Role
    (\c identifier, \c stateName, \c progress and the others).
*/
QHash<int, QByteArray> TransferModel::roleNames() const
{
    return {
            {Qt::DisplayRole, QByteArrayLiteral("display")},
            {IdentifierRole, QByteArrayLiteral("identifier")},
            {KindRole, QByteArrayLiteral("kind")},
            {UrlRole, QByteArrayLiteral("url")},
            {LocalPathRole, QByteArrayLiteral("localPath")},
            {StateRole, QByteArrayLiteral("state")},
            {StateNameRole, QByteArrayLiteral("stateName")},
            {BytesDoneRole, QByteArrayLiteral("bytesDone")},
            {BytesTotalRole, QByteArrayLiteral("bytesTotal")},
            {ProgressRole, QByteArrayLiteral("progress")},
            {SpeedRole, QByteArrayLiteral("speed")},
            {EtaRole, QByteArrayLiteral("eta")},
            {OutcomeRole, QByteArrayLiteral("outcome")},
            {HttpStatusRole, QByteArrayLiteral("httpStatus")},
            {ErrorStringRole, QByteArrayLiteral("errorString")},
            {AttemptsRole, QByteArrayLiteral("attempts")},
            {NextAttemptAtRole, QByteArrayLiteral("nextAttemptAt")},
            {PriorityRole, QByteArrayLiteral("priority")},
    };
}

/*!
    \fn int Background::TransferModel::indexOf(const QString &identifier) const

    Returns the row of the transfer \a identifier, or -1 when the model has none. Callable
    from QML.

    \sa transfer()
*/
int TransferModel::indexOf(const QString &identifier) const
{
    return d->index.value(identifier, -1);
}

/*!
    \fn Background::TransferInfo Background::TransferModel::transfer(int row) const

    Returns the whole snapshot of the transfer in \a row, with its result once it finished;
    a default-constructed TransferInfo when \a row is out of range. Callable from QML.

    \sa indexOf()
*/
TransferInfo TransferModel::transfer(int row) const
{
    return row >= 0 && row < count() ? d->rows.at(row) : TransferInfo();
}

/*!
    \fn void Background::TransferModel::reload()

    Reads every transfer from the store again and resets the model. Changes that reach the
    model by themselves need no reload; call it when another process that shares the store may
    have changed it (asked for, paused or forgotten a transfer).
*/

/*!
    \fn void Background::TransferModel::countChanged()

    This signal is emitted when the number of rows changes.
*/

/*!
    \fn void Background::TransferModel::storePathChanged()

    This signal is emitted when the model switches to another store.
*/
void TransferModel::reload()
{
    if (!d->engine)
        return; // the default store opens soon, and reads everything then
    const int oldCount = count();
    beginResetModel();
    d->rows = d->engine->transfers();
    d->index.clear();
    d->rebuildIndex(0);
    endResetModel();
    if (count() != oldCount)
        Q_EMIT countChanged();
}

} // namespace Background
