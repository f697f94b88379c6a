// A minimal PDF 1.4 writer for printable reports: pages of monospaced text (Courier, A4), no fonts embedded, no
// images, nothing fetched. Enough for statements an auditor prints or files; layout stays in the caller's hands.
#pragma once

#include <string>
#include <vector>

/** A PDF of `lines` (ASCII; other bytes print as '?'), wrapped at the page width and paginated, with `title` in
 *  the document information and a page number at the foot of each page. */
std::string TextPdf(const std::string& title, const std::vector<std::string>& lines);
