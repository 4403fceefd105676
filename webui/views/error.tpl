% rebase('base.tpl')
<section class="card narrow">
<h1>{{status}}</h1>
<p class="alarm">{{_(message)}}</p>
<p><a href="/">{{_('error.home')}}</a></p>
</section>
