use time::OffsetDateTime;

use crate::ts::Ts;
use crate::tx::write_one;
use crate::{Store, StoreError, UniqueField, on_pool};

/// A tenant of the gateway: one customer's directory, reached through its own credentials.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Workspace {
    /// A lowercase slug made from the name; the CLI's `--workspace`.
    pub id: String,
    pub name: String,
    pub created_at: OffsetDateTime,
}

impl Store {
    /// Creates a workspace. `Conflict(WorkspaceId)` if the id is taken.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws.id))]
    pub async fn create_workspace(&self, ws: &Workspace) -> Result<(), StoreError> {
        write_one!(self, pool => sqlx::query("insert into workspaces (id, name, created_at) values ($1, $2, $3)")
            .bind(&ws.id)
            .bind(&ws.name)
            .bind(Ts(ws.created_at))
            .execute(pool)
            .await
            .map(drop)
            .map_err(|e| StoreError::classify(e, Some(UniqueField::WorkspaceId))))?;
        Ok(())
    }

    /// One workspace by id.
    pub async fn workspace(&self, id: &str) -> Result<Workspace, StoreError> {
        Ok(
            on_pool!(self, pool => sqlx::query_as("select id, name, created_at from workspaces where id = $1")
            .bind(id)
            .fetch_one(pool)
            .await)?,
        )
    }

    /// Every workspace, oldest first.
    pub async fn workspaces(&self) -> Result<Vec<Workspace>, StoreError> {
        Ok(
            on_pool!(self, pool => sqlx::query_as("select id, name, created_at from workspaces order by created_at, id")
            .fetch_all(pool)
            .await)?,
        )
    }
}

/// Makes the workspace id from a name: lowercase ASCII letters and digits, runs of
/// anything else folded into one `-`, no leading or trailing `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs() {
        assert_eq!(slug("Acme Corp"), "acme-corp");
        assert_eq!(slug("  Read AI!! (EU) "), "read-ai-eu");
        assert_eq!(slug("Zürich GmbH"), "z-rich-gmbh");
        assert_eq!(slug("---"), "");
    }
}
