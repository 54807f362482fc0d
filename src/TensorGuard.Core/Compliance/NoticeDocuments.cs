using System.Text;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Compliance;

/// <summary>One text shipped with an artifact in which license notices may appear.</summary>
public sealed record NoticeDocument(NoticePlace Place, string Path, string Text);

/// <summary>The model card, NOTICE and LICENSE texts of an artifact, searched for required notices.</summary>
public sealed class NoticeDocuments
{
    public static readonly NoticeDocuments None = new([]);

    private readonly IReadOnlyList<(NoticeDocument Document, string Normalised)> _documents;

    public NoticeDocuments(IReadOnlyList<NoticeDocument> documents)
    {
        Documents = documents;
        _documents = documents.Select(document => (document, Normalise(document.Text))).ToArray();
    }

    public IReadOnlyList<NoticeDocument> Documents { get; }

    /// <summary>
    /// The document at <paramref name="place"/> that contains <paramref name="text"/>, ignoring case, line breaks,
    /// Markdown emphasis, typographic quotes and © versus (c) (a notice in bold is still the notice); null when none does.
    /// </summary>
    public NoticeDocument? Find(string text, NoticePlace place)
    {
        string wanted = Normalise(text);
        return _documents
            .Where(entry => place == NoticePlace.Anywhere || entry.Document.Place == place)
            .Where(entry => entry.Normalised.Contains(wanted, StringComparison.Ordinal))
            .Select(entry => entry.Document)
            .FirstOrDefault();
    }

    private static string Normalise(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool space = false;
        foreach (char c in text)
        {
            if (c is '*' or '_' or '`')
            {
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            if (c == '\u00A9')
            {
                builder.Append("(c)");
                continue;
            }

            builder.Append(c switch
            {
                '\u2018' or '\u2019' => '\'',
                '\u201C' or '\u201D' => '"',
                _ => char.ToLowerInvariant(c),
            });
        }

        return builder.ToString();
    }
}
