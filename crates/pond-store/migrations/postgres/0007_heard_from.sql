-- The member's answer to "how did you hear about us?" (friend, group, ad,
-- walk_in, other), when asked. A member who answers `friend` and has no
-- recorded referral counts as an organic referral in the growth report.
-- Nullable: members from before the question, and those who skip it.
ALTER TABLE members ADD COLUMN heard_from TEXT;
