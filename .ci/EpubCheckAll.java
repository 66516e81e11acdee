// EpubCheckAll DIR: EPUBCheck on every DIR/*.epub in one JVM (instead of one `java -jar` per
// EPUB: the JVM start, class loading and schema compilation are paid once).
//
//   java -cp epubcheck.jar .ci/EpubCheckAll.java DIR      (Java 11+ source-file launcher)
//
// Same verdict as `java -jar epubcheck.jar BOOK.epub --failonwarnings` per EPUB: an EPUB fails on
// any FATAL, ERROR or WARNING message; USAGE and INFO messages are not counted. It uses the
// same API the CLI does (com.adobe.epubcheck.api.EpubCheck#doValidate with a MasterReport,
// which counts messages by severity), with a report that prints each finding as
//   SEVERITY(ID) book.epub: path/in/epub:line:column: message
// then one summary line per EPUB. Exit status 1 if any EPUB failed (or none was found).
import com.adobe.epubcheck.api.EPUBLocation;
import com.adobe.epubcheck.api.EpubCheck;
import com.adobe.epubcheck.api.MasterReport;
import com.adobe.epubcheck.messages.Message;
import com.adobe.epubcheck.messages.Severity;
import com.adobe.epubcheck.util.FeatureEnum;
import java.io.File;
import java.util.Arrays;
import java.util.Locale;

public class EpubCheckAll {
  /** Prints FATAL/ERROR/WARNING findings; MasterReport keeps the counts. */
  static final class PrintingReport extends MasterReport {
    final String epub;

    PrintingReport(String epub) {
      this.epub = epub;
    }

    @Override
    public void message(Message m, EPUBLocation loc, Object... args) {
      Severity s = m.getSeverity();
      if (s != Severity.FATAL && s != Severity.ERROR && s != Severity.WARNING) return;
      String where = loc == null ? "" : loc.getPath();
      if (loc != null && loc.getLine() > 0) where += ":" + loc.getLine();
      if (loc != null && loc.getColumn() > 0) where += ":" + loc.getColumn();
      System.out.println("  " + s + "(" + m.getID() + ") " + epub + ": " + where + ": "
          + m.getMessage(args));
    }

    @Override
    public void info(String resource, FeatureEnum feature, String value) {}

    @Override
    public int generate() {
      return 0;
    }

    @Override
    public void initialize() {}
  }

  public static void main(String[] argv) {
    File[] epubs = new File(argv[0]).listFiles((d, n) -> n.endsWith(".epub"));
    if (epubs == null || epubs.length == 0) {
      System.out.println("epubcheck: no EPUB in " + argv[0]);
      System.exit(1);
    }
    Arrays.sort(epubs);
    System.out.println("EPUBCheck " + EpubCheck.version() + " on " + epubs.length + " EPUBs");
    int failed = 0;
    long all = System.nanoTime();
    for (File f : epubs) {
      long t = System.nanoTime();
      PrintingReport report = new PrintingReport(f.getName());
      report.setLocale(Locale.ENGLISH);
      String verdict;
      try {
        EpubCheck check = new EpubCheck(f, report);
        check.setLocale(Locale.ENGLISH);
        check.doValidate();
        int n = report.getFatalErrorCount() + report.getErrorCount() + report.getWarningCount();
        verdict = n == 0 ? "clean" : String.format("fatal=%d error=%d warning=%d",
            report.getFatalErrorCount(), report.getErrorCount(), report.getWarningCount());
      } catch (Throwable e) { // the CLI exits 1 on an exception too
        verdict = "crashed: " + e;
      }
      if (!verdict.equals("clean")) failed++;
      System.out.printf("%s: epubcheck %s (%.1f s)%n", f.getName(), verdict, (System.nanoTime() - t) / 1e9);
    }
    System.out.printf("epubcheck: %d of %d EPUBs failed (%.0f s)%n", failed, epubs.length,
        (System.nanoTime() - all) / 1e9);
    System.exit(failed == 0 ? 0 : 1);
  }
}
