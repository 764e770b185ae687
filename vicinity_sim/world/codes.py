"""Category codes of the state tables: what the small integers in a column mean.

Every module that reads or writes a coded column imports its codes from here, so that a code
has one definition whatever part of the model (building the world, a mechanism, an
intervention, the reference engine) uses it.
"""

from __future__ import annotations

#: Groups of residents (``residents.group``, ``households.group``), in this order.
GROUPS = ("local", "migrant", "taiwan")
LOCAL, MIGRANT, TAIWAN = 0, 1, 2

#: Sectors of jobs (``residents.sector``; -1 out of work, and ``villages.jobs`` columns).
#: Shares of the first three are parameters of each group; "other" (public and professional
#: jobs) takes the rest.
SECTORS = ("industry", "construction", "services", "other")
INDUSTRY, CONSTRUCTION, SERVICES, OTHER = 0, 1, 2, 3

#: Age classes (``residents.age``).
CHILD, WORKING, ELDERLY = 0, 1, 2

#: Where an e-bike is charged (``residents.charging``).
NO_EBIKE, CHARGE_INDOOR, CHARGE_SITE, CHARGE_OUTDOOR = 0, 1, 2, 3

#: Columns of the residents' interpersonal trust (``residents.trust_inter``): trust in
#: neighbours of one's own group and of the other groups.
IN_GROUP, OUT_GROUP = 0, 1

#: ``grids.last_supervision`` of a grid never supervised (far enough back for any interval).
NEVER_SUPERVISED = -(2**30)

#: Kinds of party members (``party_members.kind``): resident members who are retired (60 and
#: over) or of working age, and in-service members of organisations registered with a grid
#: (双报到), who do not live in the village.
RETIRED_MEMBER, WORKING_MEMBER, IN_SERVICE_MEMBER = 0, 1, 2

#: Status of a party member (``party_members.status``): serving; registered by an
#: intervention but not yet (its rollout has not reached them); withdrawn from community
#: service (burnt out, or lost interest); moved away (the resident left the village).
MEMBER_ACTIVE, MEMBER_PLANNED, MEMBER_WITHDRAWN, MEMBER_MOVED = 0, 1, 2, 3

#: A day long before any run (``households.last_visit``, ``buildings.last_check`` never).
NEVER = -(2**30)
#: Use of a unit (``units.state``): let to a tenant household, vacant on the rental market,
#: lived in by its owner's household, idle (kept off the market by its landlord), let as a
#: shop (converted to commercial use; a 三合一 premises if people also sleep in it, which the
#: building's ``three_in_one`` flag records), or let to a resident's doorstep business
#: (an idle room converted, 盘活闲置房屋: :mod:`~vicinity_sim.processes.enterprise`).
UNIT_LET, UNIT_VACANT, UNIT_OWNER, UNIT_IDLE, UNIT_SHOP, UNIT_BUSINESS = 0, 1, 2, 3, 4, 5

#: Kinds of enterprise (``projects.kind``): a collective's project on leased idle collective
#: assets (产业项目), and the kinds of residents' doorstep businesses (家门口创业): a shop,
#: catering, a homestay (民宿), e-commerce, cultural-creative work.
ENT_PROJECT, ENT_SHOP, ENT_CATERING, ENT_HOMESTAY, ENT_ECOMMERCE, ENT_CREATIVE = 0, 1, 2, 3, 4, 5
BUSINESS_KINDS = (ENT_SHOP, ENT_CATERING, ENT_HOMESTAY, ENT_ECOMMERCE, ENT_CREATIVE)
ENTERPRISE_KIND_NAMES = ("project", "shop", "catering", "homestay", "ecommerce", "creative")

#: Why a landlord or an operator asked a household to leave (``households.notice``).
NOTICE_NONE, NOTICE_NONRENEWAL, NOTICE_TAKEOVER = 0, 1, 2

#: A day long before any run (``buildings.renovated_day`` of a building never renovated,
#: ``buildings.inspected_day`` of one never inspected).
LONG_AGO = -(10**6)
