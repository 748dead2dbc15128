"""The workspace (작업 폴더): the output folder reportgen owns, its manifest and lock, atomic publish, and what a rebuild may reuse."""
