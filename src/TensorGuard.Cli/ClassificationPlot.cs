using System.Globalization;
using ScottPlot;
using TensorGuard.Core;
using TensorGuard.Core.Classification;
using TensorGuard.Core.Formats;

namespace TensorGuard.Cli;

/// <summary>
/// Draws a classification run as the reference does: the 2-D PCA projection, points coloured by K-Means
/// cluster, bases as stars, queried models labelled; unknown models crossed, misclassified ones ringed.
/// It stays in the CLI, unlike the text renderings in Core's Reporting, so that the library does not pull
/// ScottPlot and its SkiaSharp native libraries into every application that embeds the gate.
/// </summary>
internal static class ClassificationPlot
{
    private const int Width = 1600;
    private const int Height = 1100;
    private const double StarRadiusPixels = 13;

    /// <summary>The image format a file name asks for, or null when it is neither PNG nor SVG.</summary>
    public static string? FormatOf(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".png" => "png",
        ".svg" => "svg",
        _ => null,
    };

    public static void Save(ClassificationRun run, string path, string title, IReadOnlySet<string> misclassified)
    {
        string format = FormatOf(path) ?? throw new InvalidInputException($"{path}: the plot must be a .png or .svg file.");
        PrincipalPlane plane = PrincipalPlane.Of(run);
        Plot plot = Draw(run, plane, title, misclassified);
        try
        {
            if (format == "png")
            {
                plot.SavePng(path, Width, Height);
            }
            else
            {
                plot.SaveSvg(path, Width, Height);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"{path}: cannot write the plot ({error.Message}).", error);
        }
    }

    private static Plot Draw(ClassificationRun run, PrincipalPlane plane, string title, IReadOnlySet<string> misclassified)
    {
        var plot = new Plot();
        plot.Title(title);
        var invariant = CultureInfo.InvariantCulture;
        plot.XLabel(string.Create(invariant, $"principal component 1 ({plane.ExplainedFirst:P0} of variance)"));
        plot.YLabel(string.Create(invariant, $"principal component 2 ({plane.ExplainedSecond:P0} of variance)"));

        var all = plane.Bases.Concat(plane.Queries).ToArray();
        (double xMin, double xMax) = Padded(all.Min(p => p.X), all.Max(p => p.X));
        (double yMin, double yMax) = Padded(all.Min(p => p.Y), all.Max(p => p.Y));
        plot.Axes.SetLimits(xMin, xMax, yMin, yMax);

        // Data units per pixel, approximately (the data area is most of the image), so stars look round.
        double starX = StarRadiusPixels * (xMax - xMin) / (Width * 0.8);
        double starY = StarRadiusPixels * (yMax - yMin) / (Height * 0.8);

        var palette = new ScottPlot.Palettes.Category10();
        double PixelX(double x) => (x - xMin) / (xMax - xMin) * Width;
        double PixelY(double y) => (yMax - y) / (yMax - yMin) * Height;

        // Base names (bold, above-right of their star) are placed first; query names keep off them.
        var placed = run.Bases.Select((b, i) => (PixelX(plane.Bases[i].X) + 16, PixelY(plane.Bases[i].Y) - 22, PixelX(plane.Bases[i].X) + 16 + (b.Name.Length * 9.5))).ToList();
        var clusterOfBase = run.Bases.Select((b, i) => (b.Name, i)).ToDictionary(pair => pair.Name, pair => pair.i, StringComparer.Ordinal);
        for (int b = 0; b < run.Bases.Count; b++)
        {
            Color color = palette.GetColor(b);
            var members = run.Results.Select((r, q) => (r, q)).Where(pair => clusterOfBase[pair.r.Cluster] == b).ToArray();
            var points = plot.Add.ScatterPoints(
                members.Select(m => plane.Queries[m.q].X).ToArray(),
                members.Select(m => plane.Queries[m.q].Y).ToArray(),
                color);
            points.MarkerSize = 11;
            points.LegendText = $"cluster of {run.Bases[b].Name} ({run.Bases[b].Family})";

            var star = plot.Add.Polygon(Star(plane.Bases[b].X, plane.Bases[b].Y, starX, starY));
            star.FillColor = color;
            star.LineColor = Colors.Black;
            star.LineWidth = 1.5f;

            var label = plot.Add.Text(run.Bases[b].Name, plane.Bases[b].X, plane.Bases[b].Y);
            label.LabelFontSize = 15;
            label.LabelBold = true;
            label.LabelFontColor = color.Darken(0.3);
            label.LabelOffsetX = 16;
            label.LabelOffsetY = -22;
        }

        for (int q = 0; q < run.Results.Count; q++)
        {
            FamilyClassification result = run.Results[q];
            (double x, double y) = plane.Queries[q];
            if (result.Unknown)
            {
                Mark(plot, x, y, MarkerShape.Cross, Colors.Black, 18);
            }

            if (misclassified.Contains(result.Name))
            {
                Mark(plot, x, y, MarkerShape.OpenCircle, Colors.Red, 22);
            }

            var label = plot.Add.Text(UntrustedText.Printable(result.Name), x, y);
            label.LabelFontSize = 11;
            label.LabelFontColor = Colors.Black.WithAlpha(0.8);
            label.LabelOffsetX = 8;
            label.LabelOffsetY = 4 + LabelShift(placed, PixelX(x), PixelY(y), label.LabelText.Length);
        }

        AddLegendEntry(plot, "base model (star)", MarkerShape.FilledDiamond, Colors.Black);
        if (run.Results.Any(r => r.Unknown))
        {
            AddLegendEntry(plot, "unknown family", MarkerShape.Cross, Colors.Black);
        }

        if (misclassified.Count > 0)
        {
            AddLegendEntry(plot, "misclassified", MarkerShape.OpenCircle, Colors.Red);
        }

        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>
    /// Pixels to move a label down, one line at a time and at most a few lines, until it no longer
    /// covers a label already placed: models with (nearly) identical fingerprints share a point.
    /// </summary>
    private static float LabelShift(List<(double Left, double Top, double Right)> placed, double x, double y, int characters)
    {
        const double LineHeight = 14;
        const double CharacterWidth = 6.5;
        const int MaxLines = 4;
        double right = x + (characters * CharacterWidth);
        double shift = 0;
        for (int line = 0; line < MaxLines && placed.Any(p => p.Left < right && x < p.Right && Math.Abs(p.Top - (y + shift)) < LineHeight); line++)
        {
            shift += LineHeight;
        }

        placed.Add((x, y + shift, right));
        return (float)shift;
    }

    private static void Mark(Plot plot, double x, double y, MarkerShape shape, Color color, float size)
    {
        var marker = plot.Add.Marker(x, y, shape, size, color);
        marker.MarkerLineWidth = 2.5f;
    }

    private static void AddLegendEntry(Plot plot, string text, MarkerShape shape, Color color) =>
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = text, MarkerShape = shape, MarkerFillColor = color, MarkerLineColor = color, MarkerSize = 12 });

    private static (double Min, double Max) Padded(double min, double max)
    {
        double pad = Math.Max((max - min) * 0.12, 0.5);
        return (min - pad, max + (pad * 1.6));
    }

    /// <summary>A five-pointed star centred on (x, y) with the given radii in data units.</summary>
    private static Coordinates[] Star(double x, double y, double radiusX, double radiusY)
    {
        var points = new Coordinates[10];
        for (int i = 0; i < points.Length; i++)
        {
            double scale = i % 2 == 0 ? 1 : 0.45;
            double angle = (Math.PI / 2) + (i * Math.PI / 5);
            points[i] = new Coordinates(x + (radiusX * scale * Math.Cos(angle)), y + (radiusY * scale * Math.Sin(angle)));
        }

        return points;
    }
}
