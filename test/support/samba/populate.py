# Fills a freshly provisioned Samba AD DC's database (samba stopped) in one process: users in
# every state the tests need, a three-level nested group chain and many groups for paging.
# Run with Debian's /usr/bin/python3 (Samba's bindings): populate.py SMB_CONF SAM_LDB BULK
import os
import sys
import time
import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

lp = LoadParm()
lp.load(sys.argv[1])
db = SamDB(url=sys.argv[2], session_info=system_session(), lp=lp)
bulk = int(sys.argv[3])
base = str(db.domain_dn())
users = f"CN=Users,{base}"

def user(name, password, **extra):
    db.newuser(name, password, givenname=extra.get("given"), surname=extra.get("sn"), mailaddress=extra.get("mail"),
               force_password_change_at_next_login_req=extra.get("must_change", False))
    if "upn" in extra:
        m = ldb.Message(ldb.Dn(db, f"CN={name},{users}"))
        m["userPrincipalName"] = ldb.MessageElement(extra["upn"], ldb.FLAG_MOD_REPLACE, "userPrincipalName")
        db.modify(m)

user("ad-alice", "Alice-Passw0rd!", given="Alice", sn="Liddell", mail="alice@portcullis.test")
user("ad-bob", "Bob-Passw0rd!", upn="bob.builder@portcullis.test", given="Bob", sn="Builder")
user("ad-dis", "Dis-Passw0rd!")
db.disable_account("(sAMAccountName=ad-dis)")
user("ad-exp", "Exp-Passw0rd!")
db.setexpiry("(sAMAccountName=ad-exp)", 0, no_expiry_req=False)
user("ad-must", "Must-Passw0rd!", must_change=True)
user("ad-lock", "Lock-Passw0rd!")
user("ad-many", "Many-Passw0rd!")
user("ad-old", "Old-Passw0rd!")

# a chain three levels deep: ad-alice ∈ pt-level1 ∈ pt-level2 ∈ pt-level3
for name, member in (("pt-level1", f"CN=ad-alice,{users}"), ("pt-level2", f"CN=pt-level1,{users}"), ("pt-level3", f"CN=pt-level2,{users}")):
    db.add({"dn": f"CN={name},{users}", "objectClass": "group", "sAMAccountName": name, "member": member})

# more groups than Active Directory answers in one page (MaxPageSize 1000), all with ad-many
for i in range(bulk):
    db.add({"dn": f"CN=pt-bulk-{i:04d},{users}", "objectClass": "group", "sAMAccountName": f"pt-bulk-{i:04d}", "member": f"CN=ad-many,{users}"})
del db

# ad-old's password was set 100 days ago, beyond the domain's maximum password age (42 days by
# default), so the DC answers its right password with data 532. Samba's own modules allow
# pwdLastSet only 0 or -1, so the value goes straight into the domain partition's file,
# beneath those modules (the provision's default tdb store).
partition = os.path.join(os.path.dirname(sys.argv[2]), "sam.ldb.d", f"{base.upper()}.ldb")
raw = ldb.Ldb(url=f"tdb://{partition}", flags=ldb.FLG_DONT_CREATE_DB)
long_ago = int((time.time() - 100 * 86400 + 11644473600) * 10_000_000)  # NT time: 100 ns steps since 1601
aged = ldb.Message(ldb.Dn(raw, f"CN=ad-old,{users}"))
aged["pwdLastSet"] = ldb.MessageElement(str(long_ago), ldb.FLAG_MOD_REPLACE, "pwdLastSet")
raw.modify(aged)
print("populated")
