"""What the tests share: content repositories, site builds, git stories, page text."""
