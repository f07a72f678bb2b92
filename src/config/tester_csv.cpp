#include "config/tester_csv.hpp"

#include <cstdio>

#include "config/values.hpp"
#include "util/strings.hpp"

namespace config {

namespace {

struct CsvField {
  std::string text;
  int line = 0;
  int column = 0;
};

struct CsvRecord {
  std::vector<CsvField> fields;
  int line = 0;
  bool blank = true;
};

// Splits text into records, tracking where each field starts. A quote that is not closed
// before the end of the text is reported at the field that opened it.
std::vector<CsvRecord> split_records(const std::string& text, const std::string& file, Diagnostics& diags) {
  std::vector<CsvRecord> records;
  size_t i = 0;
  int line = 1;
  int column = 1;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
  while (i < text.size()) {
    CsvRecord rec;
    rec.line = line;
    bool end_of_record = false;
    while (!end_of_record) {
      CsvField field;
      field.line = line;
      field.column = column;
      bool quoted = false;
      if (i < text.size() && text[i] == '"') {
        quoted = true;
        ++i;
        ++column;
        bool closed = false;
        while (i < text.size()) {
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field.text += '"';
              i += 2;
              column += 2;
              continue;
            }
            ++i;
            ++column;
            closed = true;
            break;
          }
          field.text += c;
          ++i;
          if (c == '\n') {
            ++line;
            column = 1;
          } else {
            ++column;
          }
        }
        if (!closed) {
          diags.error(core::SourceLoc{file, field.line, field.column}, "unterminated quoted field",
                      "close the field with a double quote; write a literal quote as \"\"");
          return records;
        }
      }
      // Unquoted text, or anything trailing a closing quote up to the separator.
      while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        field.text += text[i];
        ++i;
        ++column;
      }
      if (quoted || !util::trim(field.text).empty()) rec.blank = false;
      rec.fields.push_back(std::move(field));
      if (i < text.size() && text[i] == ',') {
        ++i;
        ++column;
        continue;
      }
      if (i < text.size() && text[i] == '\r') ++i;
      if (i < text.size() && text[i] == '\n') ++i;
      ++line;
      column = 1;
      end_of_record = true;
    }
    if (rec.fields.size() > 1) rec.blank = false;
    records.push_back(std::move(rec));
  }
  return records;
}

}  // namespace

std::vector<CsvTester> parse_tester_csv(const std::string& text, const std::string& file,
                                        Diagnostics& diags) {
  std::vector<CsvTester> out;
  // Why: names and emails are sent to Apple as JSON, whose encoder throws on invalid UTF-8.
  // The whole file is refused at the first bad byte (Excel's "CSV" may be Windows-1252).
  if (const size_t bad = util::invalid_utf8_offset(text); bad != std::string::npos) {
    const auto pos = util::position_of(text, bad);
    char byte[8];
    std::snprintf(byte, sizeof byte, "\\x%02x", static_cast<unsigned char>(text[bad]));
    diags.error(core::SourceLoc{file, pos.line, pos.column}, std::string("invalid UTF-8 (byte ") + byte + ")",
                "save the CSV as UTF-8 (in Excel: \"CSV UTF-8\"), or convert it with iconv");
    return out;
  }
  bool first_record = true;
  for (const auto& rec : split_records(text, file, diags)) {
    if (rec.blank) continue;
    const bool is_first = first_record;
    first_record = false;
    const core::SourceLoc row_loc{file, rec.line, 1};
    if (is_first && rec.fields.size() >= 3 && util::to_lower(util::trim(rec.fields[2].text)) == "email")
      continue;
    if (rec.fields.size() < 3) {
      diags.error(
          row_loc,
          "expected First,Last,Email[,Groups] but found " + std::to_string(rec.fields.size()) + " column(s)",
          "leave first and last name empty if unknown: ,,someone@example.com");
      continue;
    }
    CsvTester t;
    t.loc = row_loc;
    t.first_name = util::trim(rec.fields[0].text);
    t.last_name = util::trim(rec.fields[1].text);
    t.email = util::trim(rec.fields[2].text);
    t.email_loc = core::SourceLoc{file, rec.fields[2].line, rec.fields[2].column};
    if (!is_valid_email(t.email)) {
      diags.error(t.email_loc, "'" + t.email + "' is not an email address",
                  "the third column must be the tester's email");
      continue;
    }
    if (rec.fields.size() >= 4) {
      t.groups_loc = core::SourceLoc{file, rec.fields[3].line, rec.fields[3].column};
      for (const auto& g : util::split(rec.fields[3].text, ';')) {
        std::string name = util::trim(g);
        if (!name.empty()) t.groups.push_back(std::move(name));
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace config
