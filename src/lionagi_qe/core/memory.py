"""`QEMemory`: the legacy name of the in-process shared memory.

    from lionagi_qe.core.memory import QEMemory
    orchestrator = QEOrchestrator(memory=QEMemory())

It is `SessionMemory` under its historical name: the same contract and
behaviour, with its own private namespace per instance.
"""

from lionagi_qe.storage.session_memory import SessionMemory


class QEMemory(SessionMemory):
    """In-process memory (legacy name); prefer `QEOrchestrator(mode=...)`."""


__all__ = ["QEMemory"]
