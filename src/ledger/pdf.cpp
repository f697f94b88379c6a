// Minimal PDF writer; see pdf.h. Structure per ISO 32000-1 §7.5: header, numbered objects, cross-reference table
// with each object's byte offset, trailer.
#include "ledger/pdf.h"

#include <cstdio>

namespace {
constexpr int PAGE_WIDTH = 595, PAGE_HEIGHT = 842;  // A4 in points
constexpr int MARGIN = 42, FONT_SIZE = 9, LEADING = 12;
// Courier advances 0.6 em per character.
constexpr size_t CHARS_PER_LINE = static_cast<size_t>((PAGE_WIDTH - 2 * MARGIN) / (FONT_SIZE * 0.6));
constexpr size_t LINES_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN - 2 * LEADING) / LEADING;

/** A PDF literal string: printable ASCII, with '(' ')' '\' escaped. */
std::string Literal(const std::string& s)
{
    std::string out = "(";
    for (unsigned char c : s) {
        if (c == '(' || c == ')' || c == '\\') out += '\\';
        out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
    return out + ")";
}

std::vector<std::string> Wrap(const std::vector<std::string>& lines)
{
    std::vector<std::string> out;
    for (const std::string& line : lines) {
        if (line.empty()) out.emplace_back();
        for (size_t i = 0; i < line.size(); i += CHARS_PER_LINE) out.push_back(line.substr(i, CHARS_PER_LINE));
    }
    return out;
}
}  // namespace

std::string TextPdf(const std::string& title, const std::vector<std::string>& lines)
{
    const std::vector<std::string> wrapped = Wrap(lines);
    const size_t pages = std::max<size_t>(1, (wrapped.size() + LINES_PER_PAGE - 1) / LINES_PER_PAGE);
    // Objects: 1 catalog, 2 page tree, 3 font, 4 info, then (page, contents) for each page.
    std::vector<std::string> objects(4 + 2 * pages);
    objects[0] = "<< /Type /Catalog /Pages 2 0 R >>";
    std::string kids;
    for (size_t p = 0; p < pages; ++p) kids += std::to_string(5 + 2 * p) + " 0 R ";
    objects[1] = "<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages) + " >>";
    objects[2] = "<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>";
    objects[3] = "<< /Title " + Literal(title) + " /Producer (Sovereign) >>";
    for (size_t p = 0; p < pages; ++p) {
        std::string text = "BT /F1 " + std::to_string(FONT_SIZE) + " Tf " + std::to_string(LEADING) + " TL " +
                           std::to_string(MARGIN) + " " + std::to_string(PAGE_HEIGHT - MARGIN - FONT_SIZE) + " Td\n";
        for (size_t i = p * LINES_PER_PAGE; i < std::min(wrapped.size(), (p + 1) * LINES_PER_PAGE); ++i) {
            text += Literal(wrapped[i]) + " '\n";
        }
        text += "ET\nBT /F1 " + std::to_string(FONT_SIZE) + " Tf " + std::to_string(MARGIN) + " " +
                std::to_string(MARGIN / 2) + " Td " +
                Literal("Page " + std::to_string(p + 1) + " of " + std::to_string(pages)) + " Tj ET\n";
        objects[4 + 2 * p] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + std::to_string(PAGE_WIDTH) + " " +
                             std::to_string(PAGE_HEIGHT) + "] /Resources << /Font << /F1 3 0 R >> >> /Contents " +
                             std::to_string(6 + 2 * p) + " 0 R >>";
        objects[5 + 2 * p] = "<< /Length " + std::to_string(text.size()) + " >>\nstream\n" + text + "endstream";
    }
    std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";  // a binary comment line marks the file as binary
    std::vector<size_t> offsets;
    for (size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(pdf.size());
        pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const size_t xref = pdf.size();
    pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (size_t off : offsets) {
        char entry[24];
        std::snprintf(entry, sizeof(entry), "%010zu 00000 n \n", off);
        pdf += entry;
    }
    pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R /Info 4 0 R >>\nstartxref\n" +
           std::to_string(xref) + "\n%%EOF\n";
    return pdf;
}
