//! `group.state_changed`: lifecycle states are computed from the day
//! rollups, not stored, so a periodic step classifies every group, compares
//! with the state it last saw (table `group_states`) and announces each
//! change. A group's first classification announces nothing: there was no
//! state before it to change from.

use super::{EventType, emit};
use crate::Pond;
use crate::error::Error;
use serde_json::json;
use std::collections::HashMap;

/// Classifies every group and announces changes; answers how many changed.
///
/// The classification reads the rollups in a read transaction (the same
/// report the console shows); only the changed or new states are written,
/// so a quiet shop costs one read per period.
pub async fn check(app: &Pond) -> Result<usize, Error> {
    let now = app.now();
    let as_of = app.time_zone.to_datetime(now).date();
    let mut tx = app.store.read().await?;
    let report =
        crate::community::report::groups(&mut tx, &app.time_zone, as_of, &app.lifecycle(), None)
            .await?;
    let known: HashMap<i64, String> = pond_store::webhooks::group_states(&mut tx)
        .await?
        .into_iter()
        .collect();
    drop(tx);
    let changes: Vec<_> = report
        .groups
        .into_iter()
        .filter_map(|g| match known.get(&g.id) {
            Some(before) if before == g.state => None,
            before => Some((before.cloned(), g)),
        })
        .collect();
    if changes.is_empty() {
        return Ok(0);
    }
    app.store
        .write(move |tx| {
            Box::pin(async move {
                let mut changed = 0;
                for (before, g) in &changes {
                    pond_store::webhooks::set_group_state(tx, g.id, g.state, now).await?;
                    let Some(from) = before else { continue };
                    let data = json!({
                        "group_id": g.id,
                        "name": g.name,
                        "channel": g.channel,
                        "from": from,
                        "to": g.state,
                        "reason": g.reason,
                        "as_of": as_of.to_string(),
                    });
                    emit(tx, EventType::GroupStateChanged, data, now).await?;
                    changed += 1;
                }
                Ok::<_, Error>(changed)
            })
        })
        .await
}
