//! Role mappings: a workspace's table from IdP role values to the vendor app's
//! roles, and its default role. The mapping itself is pure (`scim::roles`); user
//! writes read the table inside their transaction so their events carry the role.

use scim::roles::RoleMap;
use time::OffsetDateTime;

use crate::ts::Ts;
use crate::tx::write_one;
use crate::{Store, StoreError, on_pool};

/// The workspace row joined to its mappings, if it has any, in one statement (it
/// runs inside every user write); no row at all for an unknown workspace.
pub(crate) const ROLE_MAP: &str = "select w.default_app_role, m.idp_value, m.app_role from workspaces w \
     left join role_mappings m on m.workspace_id = w.id where w.id = $1 order by m.idp_value";

/// The [`RoleMap`] in [`ROLE_MAP`]'s rows; `None` for an unknown workspace.
pub(crate) fn role_map_of(
    rows: Vec<(Option<String>, Option<String>, Option<String>)>,
) -> Option<RoleMap> {
    let default = rows.first()?.0.clone();
    let mappings = rows
        .into_iter()
        .filter_map(|(_, idp, app)| idp.zip(app))
        .collect();
    Some(RoleMap { mappings, default })
}

/// Reads the workspace's [`RoleMap`] inside the write `$tx` (either transaction of
/// `in_tx!(direct …)`); evaluates to `Result<RoleMap, StoreError>`, `NotFound` for an
/// unknown workspace.
macro_rules! role_map_in {
    ($tx:ident, $ws:expr) => {
        $crate::roles::role_map_of(
            $tx.rows($crate::roles::ROLE_MAP, $crate::tx::args![$ws])
                .await?,
        )
        .ok_or($crate::StoreError::NotFound)
    };
}
pub(crate) use role_map_in;

/// Reads the workspace's [`RoleMap`] on `$exec`, a read connection; evaluates to
/// `Result<RoleMap, sqlx::Error>`, `RowNotFound` for an unknown workspace. A macro
/// because the executor's type differs per backend.
macro_rules! load_role_map {
    ($exec:expr, $ws:expr) => {
        sqlx::query_as($crate::roles::ROLE_MAP)
            .bind($ws)
            .fetch_all($exec)
            .await
            .and_then(|rows| $crate::roles::role_map_of(rows).ok_or(sqlx::Error::RowNotFound))
    };
}
pub(crate) use load_role_map;

impl Store {
    /// The workspace's role mappings (ordered by IdP value) and default role.
    /// `NotFound` for an unknown workspace.
    pub async fn role_map(&self, ws: &str) -> Result<RoleMap, StoreError> {
        Ok(on_pool!(self, pool => load_role_map!(pool, ws))?)
    }

    /// Maps `idp_value` to `app_role`, replacing the value's earlier mapping.
    /// `NotFound` for an unknown workspace.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws))]
    pub async fn set_role_mapping(
        &self,
        ws: &str,
        idp_value: &str,
        app_role: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.workspace(ws).await?;
        write_one!(self, pool => sqlx::query(
            "insert into role_mappings (workspace_id, idp_value, app_role, created_at) values ($1, $2, $3, $4) \
             on conflict (workspace_id, idp_value) do update set app_role = excluded.app_role",
        )
        .bind(ws)
        .bind(idp_value)
        .bind(app_role)
        .bind(Ts(now))
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Removes the mapping of `idp_value`. `NotFound` if there is none.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws))]
    pub async fn remove_role_mapping(&self, ws: &str, idp_value: &str) -> Result<(), StoreError> {
        let n = write_one!(self, pool => sqlx::query(
            "delete from role_mappings where workspace_id = $1 and idp_value = $2",
        )
        .bind(ws)
        .bind(idp_value)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Sets (or with `None` clears) the role of users whose values match no
    /// mapping. `NotFound` for an unknown workspace.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws))]
    pub async fn set_default_app_role(
        &self,
        ws: &str,
        app_role: Option<&str>,
    ) -> Result<(), StoreError> {
        let n = write_one!(self, pool => sqlx::query(
            "update workspaces set default_app_role = $2 where id = $1",
        )
        .bind(ws)
        .bind(app_role)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
