-- A request's answer may be a file (issue 25): the request row says which kind of answer it took,
-- so that the inbox can say "a file is waiting" before the reveal, and still after it.

alter table secret_request add column answer_kind text;
update secret_request set answer_kind = 'text' where answered_at is not null;
alter table secret_request add constraint secret_request_answer_kind_known check (
  (answered_at is null and answer_kind is null)
  or (answered_at is not null and answer_kind in ('text', 'file'))
);

comment on column secret_request.answer_kind is 'text or file once answered (the answer is the secret row with id = inbox_id), null before.';
