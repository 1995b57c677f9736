//! Where a new conversation goes: to the patient's navigator, in the navigator's team queue;
//! while the navigator is away, to that team queue unassigned; without a navigator, to the queue
//! that takes the topic (or the one that takes "other", or the first).

use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NavigatorRoute {
    pub account_id: Uuid,
    pub queue_id: Uuid,
    pub away: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueRoute {
    pub queue_id: Uuid,
    pub topics: Vec<String>,
}

/// The queue and the assignee, or `None` when the organisation has no queue at all.
pub fn route(
    navigator: Option<NavigatorRoute>,
    topic: &str,
    queues: &[QueueRoute],
) -> Option<(Uuid, Option<Uuid>)> {
    if let Some(n) = navigator {
        return Some((n.queue_id, (!n.away).then_some(n.account_id)));
    }
    let takes = |t: &str| queues.iter().find(|q| q.topics.iter().any(|x| x == t));
    takes(topic)
        .or_else(|| takes("other"))
        .or_else(|| queues.first())
        .map(|q| (q.queue_id, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn queues() -> Vec<QueueRoute> {
        vec![
            QueueRoute {
                queue_id: id(1),
                topics: vec!["clinician".into(), "other".into()],
            },
            QueueRoute {
                queue_id: id(2),
                topics: vec!["billing".into()],
            },
        ]
    }

    #[test]
    fn a_navigator_gets_their_patients_conversations_unless_away() {
        let mut n = NavigatorRoute {
            account_id: id(9),
            queue_id: id(2),
            away: false,
        };
        assert_eq!(
            route(Some(n), "clinician", &queues()),
            Some((id(2), Some(id(9))))
        );
        n.away = true;
        assert_eq!(route(Some(n), "clinician", &queues()), Some((id(2), None)));
    }

    #[test]
    fn without_a_navigator_the_topic_picks_the_queue() {
        assert_eq!(route(None, "billing", &queues()), Some((id(2), None)));
        assert_eq!(route(None, "records", &queues()), Some((id(1), None)));
        assert_eq!(route(None, "records", &[]), None);
        let no_other = vec![QueueRoute {
            queue_id: id(3),
            topics: vec![],
        }];
        assert_eq!(route(None, "records", &no_other), Some((id(3), None)));
    }
}
