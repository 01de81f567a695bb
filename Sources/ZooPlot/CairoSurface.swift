// cairo's image and SVG surfaces behind one drawing callback, and the font settings both use so
// that text measured once is laid out the same on either.

import CCairo

enum CairoSurface {
    /// The sans-serif face Debian's fonts-dejavu-core installs; fontconfig substitutes when absent.
    static let fontFamily = "DejaVu Sans"

    /// Draws into an RGB image surface and encodes it as PNG.
    static func png(width: Int, height: Int, draw: (OpaquePointer) throws(PlotError) -> Void) throws(PlotError)
        -> [UInt8]
    {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height)) else {
            throw .drawingFailed(reason: "no image surface")
        }
        defer { cairo_surface_destroy(surface) }
        try check(cairo_surface_status(surface))
        try paint(surface, draw)
        let sink = ByteSink()
        let status = cairo_surface_write_to_png_stream(
            surface, ByteSink.callback, Unmanaged.passUnretained(sink).toOpaque())
        try check(status)
        return sink.bytes
    }

    /// Draws into an SVG surface whose document is collected in memory.
    static func svg(width: Int, height: Int, draw: (OpaquePointer) throws(PlotError) -> Void) throws(PlotError)
        -> [UInt8]
    {
        let sink = ByteSink()
        guard
            let surface = cairo_svg_surface_create_for_stream(
                ByteSink.callback, Unmanaged.passUnretained(sink).toOpaque(), Double(width), Double(height))
        else { throw .drawingFailed(reason: "no SVG surface") }
        cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX)
        try check(cairo_surface_status(surface))
        do {
            try paint(surface, draw)
        } catch {
            cairo_surface_destroy(surface)
            throw error
        }
        cairo_surface_finish(surface)  // writes the rest of the document into the sink
        let status = cairo_surface_status(surface)
        cairo_surface_destroy(surface)
        try check(status)
        return withExtendedLifetime(sink) { sink.bytes }
    }

    /// A context that only measures text, with the settings drawing contexts get.
    static func measuringContext() throws(PlotError) -> (surface: OpaquePointer, context: OpaquePointer) {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1), let context = cairo_create(surface)
        else { throw .drawingFailed(reason: "no measuring surface") }
        configure(context)
        return (surface, context)
    }

    /// Unhinted metrics: text widths then do not depend on the surface, so the layout measured on
    /// the image surface holds on the SVG one.
    static func configure(_ context: OpaquePointer) {
        let options = cairo_font_options_create()
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_set_font_options(context, options)
        cairo_font_options_destroy(options)
    }

    private static func paint(_ surface: OpaquePointer, _ draw: (OpaquePointer) throws(PlotError) -> Void)
        throws(PlotError)
    {
        guard let context = cairo_create(surface) else { throw .drawingFailed(reason: "no context") }
        defer { cairo_destroy(context) }
        configure(context)
        try draw(context)
        try check(cairo_status(context))
        cairo_surface_flush(surface)
    }

    static func check(_ status: cairo_status_t) throws(PlotError) {
        guard status == CAIRO_STATUS_SUCCESS else {
            throw .drawingFailed(reason: String(cString: cairo_status_to_string(status)))
        }
    }
}

/// Collects what cairo's stream writers hand out.
private final class ByteSink {
    var bytes: [UInt8] = []

    static let callback: cairo_write_func_t = { closure, data, length in
        guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
        let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
        sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
        return CAIRO_STATUS_SUCCESS
    }
}
