<figure class="chart">
<figcaption>{{_(chart.title)}}</figcaption>
% if chart.empty:
<p class="empty">{{_('history.no_data')}}</p>
% else:
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{chart.width}} {{chart.height}}" width="{{chart.width}}" height="{{chart.height}}" role="img" aria-label="{{_(chart.title)}}">
% for y, text in chart.ticks:
<line x1="40" x2="{{chart.width - 10}}" y1="{{y}}" y2="{{y}}" class="grid"/>
<text x="36" y="{{y + 4}}" text-anchor="end" class="tick">{{text}}</text>
% end
% for b in chart.bars:
<rect x="{{b.x}}" y="{{b.y}}" width="{{b.w}}" height="{{b.h}}" class="bar bar-{{b.series}}"><title>{{b.label}}: {{_('series.' + b.series)}} {{b.value}}</title></rect>
% end
% for x, text in chart.labels:
<text x="{{x}}" y="{{chart.height - 12}}" text-anchor="middle" class="tick">{{text}}</text>
% end
</svg>
<p class="legend">
% for series in sorted({b.series for b in chart.bars}):
<span class="key bar-{{series}}">■</span> {{_('series.' + series)}}
% end
</p>
% end
</figure>
