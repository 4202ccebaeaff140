using NarrativeMonitor.StanceModel.Fnc;

namespace NarrativeMonitor.StanceModel.Tests;

public class CsvTests
{
    [Fact]
    public void Reads_quoted_fields_with_commas_doubled_quotes_and_line_breaks()
    {
        const string text = "Body ID,articleBody\r\n1,\"Line one, still one\n\nSaid \"\"hello\"\"\"\n2,plain\n3,\"\"\n";
        var rows = Csv.Read(new StringReader(text)).ToList();

        Assert.Equal(4, rows.Count);
        Assert.Equal(["Body ID", "articleBody"], rows[0]);
        Assert.Equal(["1", "Line one, still one\n\nSaid \"hello\""], rows[1]);
        Assert.Equal(["2", "plain"], rows[2]);
        Assert.Equal(["3", ""], rows[3]);
    }

    [Fact]
    public void Last_row_without_line_break_is_read()
    {
        var rows = Csv.Read(new StringReader("a,b\nc,\"d\"")).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(["c", "d"], rows[1]);
    }

    [Fact]
    public void Unterminated_quote_is_an_error()
    {
        Assert.Throws<InvalidDataException>(() => Csv.Read(new StringReader("a,\"b\n")).ToList());
    }

    [Fact]
    public void Write_then_read_round_trips()
    {
        string[][] rows = [["Headline", "Body ID", "Stance"], ["He said \"no\", twice\nand left", "7", "disagree"]];
        var writer = new StringWriter();
        Csv.Write(writer, rows);
        var back = Csv.Read(new StringReader(writer.ToString())).ToList();
        Assert.Equal(rows, back);
    }

    [Fact]
    public void Training_files_parse_into_the_known_shape()
    {
        var data = FncData.Load();
        Assert.True(data.Bodies.Count > 1000, $"{data.Bodies.Count} bodies");
        Assert.True(data.Pairs.Count > 40000, $"{data.Pairs.Count} pairs");
        Assert.All(data.Pairs.Take(1000), p => Assert.True(data.Bodies.ContainsKey(p.BodyId)));
        Assert.Contains(data.Bodies.Values, b => b.Contains('\n'));
    }
}
