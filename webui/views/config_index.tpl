% rebase('base.tpl')
<h1>{{_('page.config')}}</h1>
% if result and not result['ok']:
<div class="alarm" role="alert" id="form-errors"><p>{{_('config.not_saved')}}</p><ul>
% for g in result['general']:
<li>{{g}}</li>
% end
% for path, msg in result['errors'].items():
<li><code>{{path}}</code>: {{msg}}</li>
% end
</ul></div>
% end
<div class="grid">
<section class="card">
<h2>{{_('config.pages')}}</h2>
<ul class="pages">
% for pname, fields in pages:
<li><a href="/config/{{pname}}" id="page-{{pname}}">{{_('cfgpage.' + pname, pname)}}</a> <small>({{', '.join(fields)}})</small></li>
% end
</ul>
</section>
<section class="card">
<h2>{{_('config.file')}}</h2>
<p><a class="button" href="/config/download" id="download">{{_('config.download')}}</a></p>
<form method="post" action="/config/upload" enctype="multipart/form-data" class="stack">
<input type="hidden" name="csrf" value="{{csrf}}">
<label>{{_('config.upload')}} <input type="file" name="file" accept=".yaml,.yml,text/yaml"></label>
<button type="submit">{{_('config.upload_button')}}</button>
</form>
</section>
<section class="card">
<h2>{{_('config.versions')}}</h2>
% if not versions:
<p class="empty">{{_('config.no_versions')}}</p>
% end
<table class="data" id="versions">
% for v in versions:
<tr><td><code>{{v['name']}}</code></td><td>{{v['size']}} B</td><td>
<form method="post" action="/config/restore" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="version" value="{{v['name']}}"><button type="submit" class="small">{{_('config.restore')}}</button></form></td></tr>
% end
</table>
</section>
</div>
