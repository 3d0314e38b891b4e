"""The built-in HTML output: an accessible static site and CMS fragments.

Used by the ``html`` and ``html-fragments`` exporters
(:mod:`secondvictim_core.builtin.html_export`). Templates, our own stylesheet and a
small progressive-enhancement script live in this package; nothing is fetched from
outside the site when it is used.
"""

from __future__ import annotations

from ._colour import Brand, BrandError, check_brand, contrast
from ._fragments import build_fragments
from ._site import CSP, SiteOptions, build_site

__all__ = [
    "CSP",
    "Brand",
    "BrandError",
    "SiteOptions",
    "build_fragments",
    "build_site",
    "check_brand",
    "contrast",
]
