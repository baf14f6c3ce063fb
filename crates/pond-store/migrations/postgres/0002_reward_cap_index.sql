-- The inviter cap counts an inviter's rewards in a program on every
-- qualification. Without this index the planner may walk the program's
-- whole (program, referral, side, stage) index: O(rewards) per event.
CREATE INDEX rewards_inviter ON rewards (program_id, member_id, side, status);
