#pragma once

#include "transferstore.h"

#include <QtSql/QSqlQuery>

#include <memory>
#include <utility>

namespace Background {

// A prepared statement the store keeps for its connection's life (parsing the SQL cost more
// than running it, and the hot writes run every second per transfer). Reset when the handle
// goes, so that no read stays open.
class TransferStore::Statement
{
public:
    explicit Statement(std::shared_ptr<QSqlQuery> query)
        : m_query(std::move(query))
    {}
    Statement(Statement &&) noexcept = default;
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;
    Statement &operator=(Statement &&) = delete;
    ~Statement()
    {
        if (m_query)
            m_query->finish();
    }
    QSqlQuery *operator->() const { return m_query.get(); }
    QSqlQuery &operator*() const { return *m_query; }

private:
    std::shared_ptr<QSqlQuery> m_query;
};

} // namespace Background
