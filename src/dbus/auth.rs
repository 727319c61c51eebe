//! Who may change the station.
//!
//! On the session bus every caller is the station's own user, so all may.
//! On the system bus the policy file already limits station changes to the
//! mentors' group; oqud checks again here so that a loosened or missing
//! policy file does not open the station to every local user.

use zbus::message::Header;
use zbus::Connection;

use super::{Context, Error};
use crate::i18n::Msg;

/// Which bus oqud serves on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusKind {
    Session,
    System,
}

impl BusKind {
    pub fn id(self) -> &'static str {
        match self {
            BusKind::Session => "session",
            BusKind::System => "system",
        }
    }
}

impl Context {
    /// Allows the call only for a mentor (or root) when on the system bus.
    pub async fn require_mentor(
        &self,
        conn: &Connection,
        header: &Header<'_>,
        action: &'static str,
    ) -> Result<(), Error> {
        if self.bus == BusKind::Session {
            return Ok(());
        }
        let group = self.core.shared().mentors_group;
        let denied = || {
            Error::PermissionDenied(
                Msg::MentorsOnly {
                    action,
                    group: group.clone(),
                }
                .render(self.lang()),
            )
        };
        let Some(sender) = header.sender() else {
            return Err(denied());
        };
        let bus = zbus::fdo::DBusProxy::new(conn).await?;
        let uid = bus
            .get_connection_unix_user(sender.clone().into())
            .await
            .map_err(|e| Error::Failed(e.to_string()))?;
        let group_name = group.clone();
        // User and group look-ups may go to NSS (LDAP at a library); keep them off the runtime.
        let allowed = tokio::task::spawn_blocking(move || is_mentor(uid, &group_name))
            .await
            .unwrap_or(false);
        if allowed {
            Ok(())
        } else {
            tracing::info!(uid, action, "refused: not a mentor");
            Err(denied())
        }
    }
}

/// Root, or a member of `group` (primary or supplementary).
pub fn is_mentor(uid: u32, group: &str) -> bool {
    use nix::unistd::{getgrouplist, Group, Uid, User};
    if uid == 0 {
        return true;
    }
    let Ok(Some(mentors)) = Group::from_name(group) else {
        return false;
    };
    let Ok(Some(user)) = User::from_uid(Uid::from_raw(uid)) else {
        return false;
    };
    if mentors.mem.contains(&user.name) {
        return true;
    }
    let Ok(name) = std::ffi::CString::new(user.name) else {
        return false;
    };
    getgrouplist(&name, user.gid)
        .map(|groups| groups.contains(&mentors.gid))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_a_mentor_and_nobody_is_not() {
        assert!(is_mentor(0, "oqu-mentors"));
        // 65534 is "nobody" on Debian; its only group is "nogroup".
        assert!(!is_mentor(65534, "root"));
        assert!(is_mentor(65534, "nogroup"));
        assert!(!is_mentor(65534, "no-such-group-here"));
    }
}
