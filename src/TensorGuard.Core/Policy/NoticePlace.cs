namespace TensorGuard.Core.Policy;

/// <summary>Where a license requires a notice to appear.</summary>
public enum NoticePlace
{
    /// <summary>The model card (<c>README.md</c> next to the weights): "display" obligations.</summary>
    ModelCard,

    /// <summary>A <c>NOTICE</c> file shipped with the weights.</summary>
    NoticeFile,

    /// <summary>A <c>LICENSE</c> file shipped with the weights.</summary>
    LicenseFile,

    /// <summary>Any of the above.</summary>
    Anywhere,
}
