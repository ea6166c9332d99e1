"""Reading the local mailbox while its first mail is being delivered: the maildir's directory
is there before its new/ and cur/ are, and that is an empty mailbox, not an error."""

from revhub.mail import mailbox


def test_a_maildir_whose_subdirectories_are_not_made_yet_reads_as_empty(tmp_path):
    (tmp_path / "mailbox").mkdir()  # what Maildir(create=True) has made so far

    assert mailbox.read(tmp_path / "mailbox") == []


def test_a_delivered_mail_reads_back_with_its_envelope(tmp_path):
    mailbox.store(tmp_path / "mailbox", b"Subject: Reminder INV-1002\r\n\r\nPlease pay.\r\n",
                  mail_from="billing@revhub.example", rcpt_tos=["ap@acmelabs.example"])

    [mail] = mailbox.read(tmp_path / "mailbox")
    assert "INV-1002" in mail.subject and mail.rcpt_tos == ("ap@acmelabs.example",)
