"""Appointments, convocations and reminders (issue 17): a person's contact details and the reminder
channels they accept, the appointments a counsellor books with them, the counsellor's agenda and its
iCalendar feed, and the messages the scheduler sends about each appointment exactly once."""
