"""The README's Dropbox story, end to end, through a Python client generated
from docs/openapi.json by openapi-python-client: a program paying both sides,
a member, her link, a friend who signs up with it, the friend's qualifying
order, and both balances. Fails (exit 1) at the first answer that differs.

Usage: story.py BASE_URL TOKEN   (the generated package on PYTHONPATH)
"""

import sys

from pond_client import AuthenticatedClient
from pond_client.api.events import referrals_event
from pond_client.api.members import members_balances, members_create, members_get_one
from pond_client.api.programs import programs_create, programs_get_one, programs_link
from pond_client.models import (
    EventInput,
    LinkInput,
    MemberInput,
    ProgramSpec,
)


def ok(what, response, status):
    if response.status_code != status or response.parsed is None:
        sys.exit(f"{what}: expected {status}, got {response.status_code}: {response.content!r}")
    return response.parsed


def main(base_url, token):
    client = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)

    # The README's program, paid at once (hold_days 0) so both balances show it.
    spec = ProgramSpec.from_dict({
        "name": "Share the blooms",
        "rewards": [
            {"side": "inviter", "depth": 1, "amount": 500, "unit": "MB"},
            {"side": "invitee", "depth": 1, "amount": 500, "unit": "MB"},
        ],
        "base_grant": {"amount": 2048, "unit": "MB"},
        "inviter_cap": 32,
        "qualifying": {"type": "first_paid_order", "min_amount": 100},
        "hold_days": 0,
    })
    program = ok("create the program", programs_create.sync_detailed(client=client, body=spec), 201)
    assert program.name == "Share the blooms", program
    assert program.status.value == "active", program.status
    assert program.value_audit.label.value == "value_creator", program.value_audit
    again = ok("read it back", programs_get_one.sync_detailed(program.id, client=client), 200)
    assert again.id == program.id and again.inviter_cap == 32, again

    ann = ok(
        "the inviter joins",
        members_create.sync_detailed(
            client=client, body=MemberInput.from_dict({"name": "Ann", "phone": "13800000001"})
        ),
        201,
    )
    link = ok(
        "her link",
        programs_link.sync_detailed(program.id, client=client, body=LinkInput(member_id=ann.id)),
        200,
    )
    assert link.url.endswith("/r/" + link.code), link.url

    bo = ok(
        "the friend signs up with it",
        members_create.sync_detailed(
            client=client,
            body=MemberInput.from_dict(
                {"name": "Bo", "phone": "13900000002", "referral_code": link.code}
            ),
        ),
        201,
    )
    assert bo.referral is not None and bo.referral.inviter_id == ann.id, bo.referral

    order = ok(
        "the friend's first paid order",
        referrals_event.sync_detailed(
            client=client,
            body=EventInput.from_dict(
                {"type": "order.paid", "member_id": bo.id, "order_id": "o-1", "amount": 12800}
            ),
            idempotency_key="o-1",
        ),
        200,
    )
    assert order.effect.value == "qualified", order.effect
    assert len(order.rewards) == 2, order.rewards

    for who, member in (("Ann", ann), ("Bo", bo)):
        balances = ok(
            f"{who}'s balances", members_balances.sync_detailed(member.id, client=client), 200
        )
        mb = {b.unit: b.amount for b in balances}
        assert mb == {"MB": 2048 + 500}, (who, mb)
    bo_again = ok("the friend, qualified", members_get_one.sync_detailed(bo.id, client=client), 200)
    assert bo_again.referral.status.value == "qualified", bo_again.referral
    print(f"story: program {program.id}, Ann {ann.id} and Bo {bo.id} each hold 2548 MB")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
